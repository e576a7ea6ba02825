import { describe, expect, it } from 'vitest';
import { definePlugin, type Host, type PluginContext, type Surface, TrellisError } from '../../src/index.js';
import { testHost } from '../support/host-fixtures.js';

/** A surface that records what happens to it and gives each plugin a `greeter` member. */
function recordingSurface(options: { failStart?: Error; member?: string } = {}) {
  const events: string[] = [];
  const surface: Surface = {
    name: 'recording',
    attach(ctx: PluginContext) {
      events.push(`attach ${ctx.name}`);
      return {
        context: { [options.member ?? 'greeter']: () => `hello from ${ctx.name}` },
        detach: () => events.push(`detach ${ctx.name}`),
      };
    },
    async start(host: Host) {
      events.push(`start with ${host.plugins().length} plugins`);
      if (options.failStart !== undefined) throw options.failStart;
    },
    async stop() {
      events.push('stop');
    },
  };
  return { surface, events };
}

const greeting: string[] = [];
const plugin = definePlugin({
  name: 'hello',
  version: '1.0.0',
  setup(ctx) {
    greeting.push((ctx as unknown as { greeter(): string }).greeter());
    ctx.provide('hello.ping', () => 'pong');
  },
  teardown() {
    greeting.push('teardown');
  },
});

describe('surfaces', () => {
  it('adds their members to each context, starts after the plugins and stops before them', async () => {
    const { surface, events } = recordingSurface();
    greeting.length = 0;
    const { host } = testHost({ plugins: [plugin], surfaces: [surface] });
    await host.start();
    expect(greeting).toEqual(['hello from hello']);
    expect(events).toEqual(['attach hello', 'start with 1 plugins']);
    await host.disable('hello');
    await host.enable('hello');
    expect(events.slice(2)).toEqual(['detach hello', 'attach hello']);
    await host.stop();
    expect(events.slice(4)).toEqual(['stop', 'detach hello']);
    expect(greeting.at(-1)).toBe('teardown');
  });

  it('stops the host and reports E_SURFACE_START_FAILED when a surface cannot start', async () => {
    const { surface, events } = recordingSurface({
      failStart: new Error('listen EADDRINUSE 127.0.0.1:3000'),
    });
    greeting.length = 0;
    const { host } = testHost({ plugins: [plugin], surfaces: [surface] });
    const error = await host.start().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TrellisError);
    expect(error).toMatchObject({ code: 'E_SURFACE_START_FAILED' });
    expect((error as TrellisError).message).toContain('EADDRINUSE');
    expect(host.state).toBe('stopped');
    expect(host.plugins()[0]?.state).toBe('stopped');
    expect(greeting.at(-1)).toBe('teardown');
    expect(events.at(-1)).toBe('detach hello');
  });

  it('fails the plugin when a surface member collides with a context member', async () => {
    const { surface } = recordingSurface({ member: 'state' });
    const { host } = testHost({ plugins: [plugin], surfaces: [surface] });
    const report = await host.start();
    expect(report.failed[0]?.error.code).toBe('E_SETUP_FAILED');
    expect(report.failed[0]?.error.message).toContain("'state'");
  });
});
