import { defineConfig } from '@trellis/cli';

// The team-chat host: every feature comes from the plugins in ./plugins. State and tasks persist in
// .trellis/state.db; environment variables such as TRELLIS_DIGEST_TIME=07:30 override `config`.
export default defineConfig({
  pluginDirs: ['plugins'],
  discoverPackages: false,
  http: { port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' },
  store: { path: '.trellis/state.db' },
  config: {
    digest: { time: '18:00', timezone: 'UTC' },
    audit: { retentionHours: 24 * 7 },
  },
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
});
