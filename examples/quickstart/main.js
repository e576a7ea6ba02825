// The quickstart: a host made of three small plugins, showing what the kernel does on its own.
// Run it with `npm start` from the repository root.
import { createHost, definePlugin } from '@trellis/core';

const store = definePlugin({
  name: 'store',
  version: '1.0.0',
  provides: ['store.get', 'store.set'],
  async setup(ctx) {
    const data = new Map();
    ctx.provide('store.get', ({ key }) => data.get(key) ?? null);
    ctx.provide('store.set', ({ key, value }) => {
      data.set(key, value);
      return { ok: true };
    });
    return { size: () => data.size };
  },
});

const users = definePlugin({
  name: 'users',
  version: '1.2.0',
  dependencies: { store: '^1.0.0' },
  permissions: { calls: ['store.*'], emits: ['user.*'] },
  setup(ctx) {
    const storeService = ctx.service(store);
    ctx.provide('users.create', async ({ name }, call) => {
      const id = storeService.size() + 1;
      await ctx.call('store.set', { key: `user:${id}`, value: { id, name } }, { parent: call });
      await ctx.emit('user.created', { id, name });
      return { id, name };
    });
    ctx.provide('users.get', ({ id }, call) =>
      ctx.call('store.get', { key: `user:${id}` }, { parent: call }),
    );
    ctx.provide('users.invite', ({ email }) => ctx.call('mail.send', { to: email }));
  },
});

const audit = definePlugin({
  name: 'audit',
  version: '1.0.0',
  setup(ctx) {
    ctx.on('user.**', (payload, event) =>
      console.log(`  audit: ${event.topic} from ${event.source}`, payload),
    );
  },
});

const billing = definePlugin({ name: 'billing', version: '0.1.0', dependencies: ['payments'], setup() {} });

const host = createHost({ plugins: [users, store, audit, billing], logger: { level: 'silent' } });

const report = await host.start();
console.log(host.bootTree());
console.log(`\nrunning: ${report.running.join(', ')}`);
for (const { name, error } of report.failed)
  console.log(`failed:  ${name}: ${error.code}\n         ${error.message}`);

console.log('\nhost.call("users.create", { name: "Ada" }):');
console.log('  ->', await host.call('users.create', { name: 'Ada' }));
console.log('host.call("users.get", { id: 1 }):');
console.log('  ->', await host.call('users.get', { id: 1 }));

console.log('\nusers calling mail.send, which its manifest does not allow:');
await host
  .call('users.invite', { email: 'ada@example.com' })
  .catch((error) => console.log(`  -> ${error.code}: ${error.message}`));

console.log('\nhost.disable("store") also disables users, which depends on it:');
await host.disable('store');
console.log(
  ' ',
  host
    .plugins()
    .map((plugin) => `${plugin.name}=${plugin.state}`)
    .join(' '),
);
await host.call('users.get', { id: 1 }).catch((error) => console.log(`  -> ${error.code}: ${error.message}`));
await host.enable('store');
console.log(
  'host.enable("store"):',
  host
    .plugins()
    .map((plugin) => `${plugin.name}=${plugin.state}`)
    .join(' '),
);

console.log('\nmetrics (Prometheus text, excerpt):');
const metrics = await host.metrics.text();
for (const line of metrics.split('\n').filter((text) => text.startsWith('trellis_calls_total')))
  console.log(`  ${line}`);

await host.stop();
console.log('\nhost stopped.');
