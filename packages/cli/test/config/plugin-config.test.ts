import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  envName,
  envOverrides,
  envPrefix,
  resolvePluginConfigs,
  validatePluginConfigs,
} from '../../src/config/plugin-config.js';

const users = {
  name: 'users',
  schema: z.object({
    pageSize: z.number().int().default(20),
    label: z.string().default('Users'),
    enabled: z.boolean().default(true),
    db: z.object({ host: z.string(), port: z.number() }).optional(),
    snake_key: z.string().optional(),
  }),
};

describe('envName', () => {
  it.each([
    ['users', 'USERS'],
    ['@acme/user-store', 'ACME_USER_STORE'],
    ['pageSize', 'PAGE_SIZE'],
    ['snake_key', 'SNAKE_KEY'],
    ['api.v2', 'API_V2'],
  ])('spells %s as %s', (input, expected) => {
    expect(envName(input)).toBe(expected);
  });

  it('only ever produces upper-case letters, digits and single inner underscores', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(envName(text)).toMatch(/^([A-Z0-9]+(_[A-Z0-9]+)*)?$/);
      }),
    );
  });

  it('is stable: spelling a spelled name again changes nothing', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(envName(envName(text))).toBe(envName(text));
      }),
    );
  });
});

describe('plugin config precedence', () => {
  it('applies environment over config file over schema defaults', async () => {
    const env = {
      TRELLIS_USERS_PAGE_SIZE: '50',
      TRELLIS_USERS_DB__HOST: 'db.internal',
      TRELLIS_USERS_DB__PORT: '5432',
    };
    const configs = resolvePluginConfigs([users], { users: { pageSize: 10, label: 'People' } }, env);
    expect(configs.get('users')?.value).toEqual({
      pageSize: 50,
      label: 'People',
      db: { host: 'db.internal', port: 5432 },
    });
    expect(await validatePluginConfigs([users], configs)).toEqual([]);
    const validated = users.schema.parse(configs.get('users')?.value);
    expect(validated).toMatchObject({ pageSize: 50, label: 'People', enabled: true });
    expect(configs.get('users')?.fromEnv.map((override) => override.variable)).toEqual([
      'TRELLIS_USERS_DB__HOST',
      'TRELLIS_USERS_DB__PORT',
      'TRELLIS_USERS_PAGE_SIZE',
    ]);
  });

  it('gives an unconfigured plugin {} so that schema defaults apply', () => {
    const configs = resolvePluginConfigs([users, { name: 'plain' }], {}, {});
    expect(configs.get('users')?.value).toEqual({});
    expect(configs.get('plain')?.value).toEqual({});
  });

  it('keeps a string field as the raw text, and parses JSON for the others', () => {
    const configs = resolvePluginConfigs(
      [users],
      {},
      { TRELLIS_USERS_LABEL: '123', TRELLIS_USERS_ENABLED: 'false', TRELLIS_USERS_PAGE_SIZE: 'many' },
    );
    expect(configs.get('users')?.value).toEqual({ label: '123', enabled: false, pageSize: 'many' });
  });

  it('spells keys the way the schema or the config file does', () => {
    const schemaless = { name: 'search' };
    const configs = resolvePluginConfigs(
      [users, schemaless],
      { search: { index_name: 'main' } },
      { TRELLIS_USERS_SNAKE_KEY: 'x', TRELLIS_SEARCH_INDEX_NAME: 'other', TRELLIS_SEARCH_MAX_HITS: '10' },
    );
    expect(configs.get('users')?.value).toEqual({ snake_key: 'x' });
    expect(configs.get('search')?.value).toEqual({ index_name: 'other', maxHits: 10 });
  });

  it('gives a variable to the plugin with the longest matching prefix', () => {
    const overrides = envOverrides([{ name: 'user' }, { name: 'user-store' }], {
      TRELLIS_USER_STORE_URL: 'sqlite://x',
      TRELLIS_USER_NAME: 'ada',
    });
    expect(overrides.get('user-store')?.map((override) => override.path)).toEqual([['url']]);
    expect(overrides.get('user')?.map((override) => override.path)).toEqual([['name']]);
  });

  it("never reads the CLI's own variables as plugin config", () => {
    const overrides = envOverrides([{ name: 'admin' }, { name: 'log' }], {
      TRELLIS_ADMIN_TOKEN: 'secret',
      TRELLIS_LOG_LEVEL: 'debug',
      TRELLIS_ADMIN_ROLE: 'x',
    });
    expect(overrides.get('admin')?.map((override) => override.variable)).toEqual(['TRELLIS_ADMIN_ROLE']);
    expect(overrides.get('log')).toBeUndefined();
  });

  it('ignores variables of no plugin and malformed nesting', () => {
    const overrides = envOverrides([users], {
      TRELLIS_OTHER_X: '1',
      TRELLIS_USERS_: '1',
      TRELLIS_USERS_DB____HOST: 'x',
    });
    expect(overrides.size).toBe(0);
  });

  it('round-trips any camelCase key through its variable name', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9]{0,6}([A-Z][a-z0-9]{1,6}){0,3}$/),
        fc.integer(),
        (key, value) => {
          const configs = resolvePluginConfigs(
            [{ name: 'p' }],
            {},
            { [`${envPrefix('p')}${envName(key)}`]: String(value) },
          );
          expect(configs.get('p')?.value).toEqual({ [key]: value });
        },
      ),
    );
  });

  it('reports every invalid plugin config, each with its fields', async () => {
    const billing = {
      name: 'billing',
      schema: z.object({ currency: z.enum(['EUR', 'USD']), apiKey: z.string() }),
    };
    const configs = resolvePluginConfigs(
      [users, billing, { name: 'plain' }],
      { users: { pageSize: 'ten' }, billing: { currency: 'GBP' } },
      {},
    );
    const failures = await validatePluginConfigs([users, billing, { name: 'plain' }], configs);
    expect(failures.map((failure) => [failure.code, failure.details.plugin])).toEqual([
      ['E_CONFIG_INVALID', 'users'],
      ['E_CONFIG_INVALID', 'billing'],
    ]);
    expect(
      (failures[1]!.details.issues as Array<{ path: string }>).map((issue) => issue.path).sort(),
    ).toEqual(['apiKey', 'currency']);
    expect(failures[0]?.message).toContain('config.users');
  });
});
