import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { definePlugin, type ServiceOf, TrellisError } from '../../src/index.js';
import { pluginOutcome, startedHost } from '../support/pipeline-hosts.js';

/** `store` resolves its setup asynchronously with a typed service. */
const store = definePlugin({
  name: 'store',
  version: '1.0.0',
  setup: async () => {
    const values = new Map<string, number>([['answer', 42]]);
    return { read: (key: string): number | undefined => values.get(key) };
  },
});

/** `counter` returns its service synchronously. */
const counter = definePlugin({
  name: 'counter',
  version: '1.0.0',
  setup: () => {
    let next = 0;
    return { next: (): number => ++next };
  },
});

/**
 * `vitest run` strips types, so `expectTypeOf` only bites under the compiler: this compiles the present
 * file with the repository's compiler options and returns every diagnostic, formatted.
 */
function typeErrorsOfThisFile(): string[] {
  const file = fileURLToPath(import.meta.url);
  const configPath = ts.findConfigFile(dirname(file), ts.sys.fileExists, 'tsconfig.base.json');
  if (configPath === undefined) throw new Error('tsconfig.base.json not found above the test');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  const program = ts.createProgram([file], {
    ...options,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
  });
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((diagnostic) => {
    const where = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return `${where === undefined ? '' : `line ${where.line + 1}: `}${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

describe('services', () => {
  // Compiling takes a few seconds; the generous limit keeps a loaded machine from failing it spuriously.
  it('holds every type-level check of this file under the compiler', { timeout: 60_000 }, () => {
    expect(typeErrorsOfThisFile()).toEqual([]);
  });

  it('types a plugin by what its setup resolves with', () => {
    expectTypeOf<ServiceOf<typeof store>>().toEqualTypeOf<{ read: (key: string) => number | undefined }>();
    expectTypeOf<ServiceOf<typeof counter>>().toEqualTypeOf<{ next: () => number }>();
  });

  it('hands a dependent the service its dependency resolved with, async or sync, typed', async () => {
    const seen: unknown[] = [];
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      dependencies: { store: '^1.0.0', counter: '*' },
      setup: (ctx) => {
        const storeService = ctx.service(store);
        const counterService = ctx.service(counter);
        expectTypeOf(storeService).toEqualTypeOf<{ read: (key: string) => number | undefined }>();
        expectTypeOf(counterService.next).returns.toEqualTypeOf<number>();
        seen.push(storeService.read('answer'), counterService.next(), counterService.next());
      },
    });
    await startedHost([users, counter, store]);
    expect(seen).toEqual([42, 1, 2]);
  });

  it('hands out the same service object by plugin and by name', async () => {
    let byPlugin: unknown;
    let byName: unknown;
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      dependencies: ['store'],
      setup: (ctx) => {
        byPlugin = ctx.service(store);
        byName = ctx.service('store');
        expectTypeOf(ctx.service('store')).toBeUnknown();
      },
    });
    await startedHost([users, store]);
    expect(byPlugin).toBeDefined();
    expect(byName).toBe(byPlugin);
  });

  it('refuses the service of an undeclared plugin with E_DEPENDENCY_UNDECLARED', async () => {
    let thrown: unknown;
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      setup: (ctx) => {
        try {
          ctx.service('store');
        } catch (error) {
          thrown = error;
          throw error;
        }
      },
    });
    const host = await startedHost([users, store]);
    expect(thrown).toBeInstanceOf(TrellisError);
    expect((thrown as TrellisError).code).toBe('E_DEPENDENCY_UNDECLARED');
    expect((thrown as TrellisError).details).toEqual({ plugin: 'users', dependency: 'store' });
    expect(pluginOutcome(host, 'users')).toEqual({
      state: 'failed',
      code: 'E_SETUP_FAILED',
      cause: 'E_DEPENDENCY_UNDECLARED',
    });
  });

  it('gives undefined for an optional dependency that is not registered', async () => {
    let service: unknown = 'untouched';
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      optionalDependencies: ['store'],
      setup: (ctx) => {
        service = ctx.service(store);
      },
    });
    const host = await startedHost([users]);
    expect(service).toBeUndefined();
    expect(pluginOutcome(host, 'users').state).toBe('running');
  });

  it('gives the service of an optional dependency that is registered', async () => {
    let value: number | undefined;
    const users = definePlugin({
      name: 'users',
      version: '1.0.0',
      optionalDependencies: ['store'],
      setup: (ctx) => {
        value = ctx.service(store)?.read('answer');
      },
    });
    await startedHost([users, store]);
    expect(value).toBe(42);
  });
});
