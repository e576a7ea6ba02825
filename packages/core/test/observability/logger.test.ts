import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createHost, definePlugin, REDACTED_KEYS } from '../../src/index.js';
import { createLogger } from '../../src/observability/logger.js';

/** Log lines a logger wrote, parsed; `streamWrite` returns '' so nothing reaches stdout. */
function capturingOptions(extra: Record<string, unknown> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const options = {
    level: 'info',
    ...extra,
    hooks: {
      streamWrite: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
        return '';
      },
    },
  };
  return { lines, options };
}

const SECRETS = {
  password: 'p4ss',
  token: 't0ken',
  authorization: 'Bearer abc',
  user: { name: 'ada', apiKey: 'k3y' },
  headers: { authorization: 'Basic xyz', accept: 'json' },
  request: { body: { clientSecret: 'deep' } },
};

const REDACTED_SECRETS = {
  password: '[redacted]',
  token: '[redacted]',
  authorization: '[redacted]',
  user: { name: 'ada', apiKey: '[redacted]' },
  headers: { authorization: '[redacted]', accept: 'json' },
  request: { body: { clientSecret: '[redacted]' } },
};

describe('createLogger', () => {
  it('redacts secrets at the top level and two levels down, leaving other fields alone', () => {
    const { lines, options } = capturingOptions();
    createLogger(options).info(SECRETS, 'hello');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ ...REDACTED_SECRETS, msg: 'hello', name: 'trellis' });
    expect(JSON.stringify(lines[0])).not.toMatch(/p4ss|t0ken|Bearer|k3y|Basic|deep/);
  });

  it('adds extra redact paths to the defaults rather than replacing them (array form)', () => {
    const { lines, options } = capturingOptions({ redact: ['custom'] });
    createLogger(options).info({ custom: 'mine', password: 'p4ss', kept: 1 }, 'x');
    expect(lines[0]).toMatchObject({ custom: '[redacted]', password: '[redacted]', kept: 1 });
  });

  it('adds extra redact paths to the defaults rather than replacing them (object form)', () => {
    const { lines, options } = capturingOptions({ redact: { paths: ['nested.custom'] } });
    createLogger(options).info({ nested: { custom: 'mine' }, token: 't0ken' }, 'x');
    expect(lines[0]).toMatchObject({ nested: { custom: '[redacted]' }, token: '[redacted]' });
  });

  it('keeps the level it is given', () => {
    const { lines, options } = capturingOptions({ level: 'warn' });
    const logger = createLogger(options);
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((line) => line.msg)).toEqual(['loud']);
  });

  it('redacts every listed key', () => {
    const { lines, options } = capturingOptions();
    createLogger(options).info(Object.fromEntries(REDACTED_KEYS.map((key) => [key, 'secret-value'])), 'x');
    for (const key of REDACTED_KEYS) expect(lines[0]?.[key]).toBe('[redacted]');
  });
});

describe('host and plugin loggers', () => {
  it('adds redaction to a pino logger given to the host, and to plugin loggers derived from it', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const given = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const logging = definePlugin({
      name: 'logging',
      version: '1.0.0',
      setup: (ctx) => {
        ctx.logger.info(
          { headers: { authorization: 'Bearer plugin' }, password: 'plugin-pass' },
          'from plugin',
        );
      },
    });
    const host = createHost({ plugins: [logging], logger: given });
    try {
      host.logger.info(SECRETS, 'from host');
      await host.start();
      const fromHost = lines.find((line) => line.msg === 'from host');
      const fromPlugin = lines.find((line) => line.msg === 'from plugin');
      expect(fromHost).toMatchObject(REDACTED_SECRETS);
      expect(fromPlugin).toMatchObject({
        plugin: 'logging',
        headers: { authorization: '[redacted]' },
        password: '[redacted]',
      });
      expect(lines.map((line) => JSON.stringify(line)).join('\n')).not.toMatch(/p4ss|Bearer|plugin-pass|k3y/);
    } finally {
      await host.stop();
    }
  });
});
