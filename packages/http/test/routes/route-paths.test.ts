import { describe, expect, it } from 'vitest';
import { openApiPath, pluginPrefix, routePath } from '../../src/routes/route-paths.js';

describe('route paths', () => {
  it("put plugin routes under the plugin's name, a scoped name without its @", () => {
    expect(pluginPrefix('users')).toBe('/users');
    expect(pluginPrefix('@acme/users')).toBe('/acme/users');
    expect(routePath('users', '/', '/users')).toBe('/users');
    expect(routePath('users', '/:id', '/users')).toBe('/users/:id');
    expect(routePath('users', '/status', undefined)).toBe('/status');
    expect(() => routePath('users', 'status', '/users')).toThrow(
      expect.objectContaining({ code: 'E_ROUTE_INVALID' }),
    );
    expect(() => routePath('users', 42, '/users')).toThrow(/plugin 'users'/);
  });

  it('convert find-my-way patterns to OpenAPI paths with their parameters', () => {
    expect(openApiPath('/users/:id')).toEqual({
      path: '/users/{id}',
      parameters: [{ name: 'id', pattern: undefined }],
    });
    expect(openApiPath('/items/:id(^\\d+$)/files/*')).toEqual({
      path: '/items/{id}/files/{wildcard}',
      parameters: [
        { name: 'id', pattern: '^\\d+$' },
        { name: 'wildcard', pattern: undefined },
      ],
    });
    expect(openApiPath('/time/12::30')).toEqual({ path: '/time/12:30', parameters: [] });
  });
});
