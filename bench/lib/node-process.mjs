/** Running a node script in a child process of its own, as every contestant and load generator is. */
import { spawn } from 'node:child_process';

/**
 * Runs `node ...args` and resolves, once it ended, with its exit `code`, the `signal` that ended it, and
 * everything it printed. After `timeoutMs` (when given) it is killed with SIGKILL.
 */
export function runNode(args, { timeoutMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
