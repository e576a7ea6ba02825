#!/usr/bin/env node
import { runCli } from '../cli/program.js';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Everything the CLI opened is closed by now; should a plugin leave a timer or socket behind, it must
// not keep a finished command alive. The timer is unref'd: it never delays an exit that can happen.
setTimeout(() => process.exit(code), 2_000).unref();
