import { type CapabilityOptions, definePlugin, errors, type Plugin } from '@trellis/core';
import semver from 'semver';
import { testingErrors } from '../errors/testing-errors.js';
import type { CallJournal } from './call-journal.js';
import { type CapabilityMock, invokeMock, type Mocks, toCapabilityMock } from './capability-mock.js';

/** The stand-in plugins that provide a test host's mocked capabilities, and each capability's recorder. */
export interface MockSet {
  readonly plugins: readonly Plugin[];
  readonly mocks: ReadonlyMap<string, CapabilityMock>;
}

interface StandIn {
  readonly name: string;
  version: string | undefined;
  readonly capabilities: Array<[string, CapabilityMock]>;
}

const FALLBACK_VERSION = '1.0.0';

/**
 * Groups the mocked capabilities by the plugin that stands in for them (the capability's first segment
 * unless `mock(..., { plugin })` says otherwise) and makes one plugin per group, so the plugins under
 * test find their declared dependencies. A recorder given to several hosts records the calls of all.
 */
export function mockPlugins(
  mocks: Mocks | undefined,
  registered: readonly Plugin[],
  journal: CallJournal,
  now: () => number,
): MockSet {
  if (mocks === undefined) return { plugins: [], mocks: new Map() };
  if (typeof mocks !== 'object' || mocks === null)
    throw errors.invalidArgument(
      'The mocks option',
      'an object of capability name → mock, handler or value',
      mocks,
    );
  const registeredNames = new Set(registered.map((plugin) => plugin.manifest.name));
  const standIns = new Map<string, StandIn>();
  const recorders = new Map<string, CapabilityMock>();
  for (const [capability, spec] of Object.entries(mocks)) {
    const recorder = toCapabilityMock(spec);
    recorders.set(capability, recorder);
    const owner = recorder.options.plugin ?? capability.split('.')[0] ?? capability;
    if (registeredNames.has(owner)) {
      throw testingErrors.mockConflict(
        capability,
        `would be provided by a stand-in plugin named '${owner}', but a plugin of that name is registered`,
        `Mock the capabilities of another plugin, or give the mock its own stand-in: mock(value, { plugin: '${owner}-mock' }).`,
      );
    }
    let standIn = standIns.get(owner);
    if (standIn === undefined) {
      standIn = { name: owner, version: undefined, capabilities: [] };
      standIns.set(owner, standIn);
    }
    const version = recorder.options.version;
    if (version !== undefined && standIn.version !== undefined && standIn.version !== version) {
      throw testingErrors.mockConflict(
        capability,
        `asks for stand-in plugin '${owner}' at version ${version}, but another mock asks for ${standIn.version}`,
        'Give every mock of one plugin the same version (or the version on one of them only).',
      );
    }
    standIn.version = version ?? standIn.version;
    standIn.capabilities.push([capability, recorder]);
  }
  const plugins = [...standIns.values()].map((standIn) =>
    standInPlugin(standIn, standIn.version ?? versionFor(standIn.name, registered), journal, now),
  );
  return { plugins, mocks: recorders };
}

function standInPlugin(standIn: StandIn, version: string, journal: CallJournal, now: () => number): Plugin {
  return definePlugin({
    name: standIn.name,
    version,
    description: 'Stand-in of @trellis/testing for mocked capabilities',
    provides: standIn.capabilities.map(([capability]) => capability),
    setup(ctx) {
      for (const [capability, recorder] of standIn.capabilities) {
        const { plugin: _plugin, version: _version, ...options } = recorder.options;
        ctx.provide(
          capability,
          (params, call) => {
            journal.record({ capability, params, caller: call.caller, time: now() });
            return invokeMock(recorder, params, call);
          },
          options as CapabilityOptions,
        );
      }
    },
  });
}

/** The lowest version satisfying every registered plugin's dependency range on `name` (1.0.0 without any). */
function versionFor(name: string, registered: readonly Plugin[]): string {
  const ranges = registered.flatMap((plugin) =>
    [plugin.manifest.dependencies[name], plugin.manifest.optionalDependencies[name]].filter(
      (range): range is string => range !== undefined,
    ),
  );
  const candidates = ranges
    .map((range) => semver.minVersion(range)?.version)
    .filter((version): version is string => version !== undefined);
  const fitting = candidates.find((version) =>
    ranges.every((range) => semver.satisfies(version, range, { includePrerelease: true })),
  );
  return fitting ?? candidates[0] ?? FALLBACK_VERSION;
}
