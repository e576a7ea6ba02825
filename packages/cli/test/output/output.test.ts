import picocolors from 'picocolors';
import { describe, expect, it } from 'vitest';
import { colorEnabled } from '../../src/output/colors.js';
import { prettyLogLine } from '../../src/output/log-stream.js';
import { startSpinner } from '../../src/output/spinner.js';
import { formatTable } from '../../src/output/table.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('colorEnabled', () => {
  it.each([
    [tty, {}, undefined, true],
    [pipe, {}, undefined, false],
    [tty, { NO_COLOR: '1' }, undefined, false],
    [tty, { NO_COLOR: '' }, undefined, true],
    [pipe, { FORCE_COLOR: '1' }, undefined, true],
    [tty, { FORCE_COLOR: '0' }, undefined, false],
    [tty, { TERM: 'dumb' }, undefined, false],
    [tty, { NO_COLOR: '1' }, true, true],
    [pipe, { FORCE_COLOR: '1' }, false, false],
  ])('%j with %j and flag %j → %j', (stream, env, flag, expected) => {
    expect(colorEnabled(stream, { env, flag })).toBe(expected);
  });
});

describe('formatTable', () => {
  it('aligns columns whatever colours the cells carry', () => {
    const colors = picocolors.createColors(true);
    const table = formatTable(
      ['NAME', 'STATE'],
      [
        [colors.bold('users'), colors.green('running')],
        ['billing-service', 'failed'],
      ],
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the colours to compare the layout.
    expect(table.replace(/\u001b\[[0-9;]*m/g, '').split('\n')).toEqual([
      'NAME             STATE',
      'users            running',
      'billing-service  failed',
    ]);
  });
});

describe('prettyLogLine', () => {
  const plain = picocolors.createColors(false);

  it('renders a pino line as time, level, origin, message and the other fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2024, 0, 1, 12, 30, 5, 7),
      pid: 1,
      hostname: 'h',
      name: 'trellis',
      plugin: 'users',
      msg: 'slow setup',
      setupMs: 1200,
    });
    expect(prettyLogLine(line, plain)).toBe('12:30:05.007 WARN  [users] slow setup {"setupMs":1200}\n');
  });

  it('shows an error by its code and message', () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      msg: 'failed',
      err: { code: 'E_SETUP_FAILED', message: 'boom', stack: 'x' },
    });
    expect(prettyLogLine(line, plain)).toContain('ERROR failed {"error":"E_SETUP_FAILED: boom"}');
  });

  it('passes lines that are not JSON through', () => {
    expect(prettyLogLine('plain text\n', plain)).toBe('plain text\n');
  });
});

describe('startSpinner', () => {
  it('draws nothing when the stream is not a terminal', () => {
    const written: string[] = [];
    const spinner = startSpinner({ isTTY: false, write: (chunk) => written.push(chunk) }, 'Working');
    spinner.update('Still working');
    spinner.stop();
    expect(written).toEqual([]);
  });

  it('draws on a terminal and clears its line when stopped', () => {
    const written: string[] = [];
    const spinner = startSpinner({ isTTY: true, write: (chunk) => written.push(chunk) }, 'Working');
    spinner.stop();
    expect(written[0]).toContain('Working');
    expect(written.at(-1)).toBe('\r\u001b[2K');
  });
});
