import { relative } from 'node:path';
import { errors, REDACTED_KEYS } from '@trellis/core';
import type { Command } from 'commander';
import type { PluginDetail } from '../admin/admin-api.js';
import type { CommandContext } from '../cli/command-context.js';
import { withAdminOptions, withConfigOption, withJsonOption } from '../cli/options.js';
import { configJsonSchema, resolvePluginConfigs } from '../config/plugin-config.js';
import { isPlainObject } from '../config/validate-config.js';
import type { PluginSource } from '../discovery/plugin-package.js';
import { loadPlugin } from '../loading/load-plugin.js';
import { problemToJson } from '../problems/problem.js';
import { openProject, type Project } from '../project/project.js';
import { type AdminFlags, connectAdmin } from './admin-connection.js';
import { paintState, sourceJson } from './list.js';

interface InfoFlags extends AdminFlags {
  readonly json?: boolean;
}

const SECRET_KEYS = new Set(REDACTED_KEYS.map((key) => key.toLowerCase()));

/** A config value with secrets (the keys the host's logger redacts) masked, so `info` is safe to paste. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      key,
      SECRET_KEYS.has(key.toLowerCase()) ? '[redacted]' : redactSecrets(entry),
    ]),
  );
}

/** One line per field of a config JSON Schema: key, type, default, required. */
function schemaFields(schema: Readonly<Record<string, unknown>> | undefined) {
  const properties = isPlainObject(schema?.properties) ? schema.properties : {};
  const required = Array.isArray(schema?.required) ? schema.required : [];
  return Object.entries(properties).map(([key, property]) => {
    const field = isPlainObject(property) ? property : {};
    return {
      key,
      type:
        typeof field.type === 'string'
          ? field.type
          : Array.isArray(field.type)
            ? field.type.join(' | ')
            : 'any',
      required: required.includes(key),
      ...(field.default === undefined ? {} : { default: field.default }),
      ...(typeof field.description === 'string' ? { description: field.description } : {}),
    };
  });
}

function section(title: string, lines: readonly string[], bold: (text: string) => string): string[] {
  return lines.length === 0 ? [] : ['', bold(title), ...lines.map((line) => `  ${line}`)];
}

function entries(record: Readonly<Record<string, string>>): string[] {
  return Object.entries(record).map(([name, range]) => `${name} ${range}`);
}

/** Everything known about a discovered plugin without starting it: manifest, config, commands. */
async function discoveredDetail(
  project: Project,
  source: PluginSource,
  env: Readonly<Record<string, string | undefined>>,
) {
  const { name } = source;
  const load = await loadPlugin(source);
  const plugin = load.loaded?.plugin;
  const schema = configJsonSchema(plugin?.definition.config);
  const resolved = resolvePluginConfigs(
    [{ name, schema: plugin?.definition.config }],
    project.settings.pluginConfig,
    env,
  ).get(name);
  const dependents = project.sources
    .filter(
      (candidate) =>
        Object.hasOwn(candidate.manifest.dependencies, name) ||
        Object.hasOwn(candidate.manifest.optionalDependencies, name),
    )
    .map((candidate) => candidate.name);
  const detail = {
    ...sourceJson(source, project.settings.root),
    hostApi: source.manifest.hostApi,
    isolation: source.manifest.isolation,
    subscribes: source.manifest.subscribes,
    permissions: source.manifest.permissions,
    dependents,
    config: redactSecrets(resolved?.value),
    configFromEnv: (resolved?.fromEnv ?? []).map((override) => ({
      variable: override.variable,
      path: override.path.join('.'),
    })),
    configSchema: schemaFields(schema),
    commands: (load.loaded?.commands ?? []).map((command) => ({
      name: command.name,
      description: command.description,
    })),
    problems: load.problems.map(problemToJson),
  };
  return { detail, problems: load.problems };
}

async function infoDiscovered(context: CommandContext, name: string, flags: InfoFlags): Promise<void> {
  const { out } = context;
  const project = await openProject({ cwd: out.io.cwd, env: out.io.env, configFile: flags.config });
  const source = project.sources.find((candidate) => candidate.name === name);
  if (source === undefined) {
    throw errors.pluginNotFound(
      name,
      project.sources.map((candidate) => candidate.name),
    );
  }
  const { detail, problems } = await discoveredDetail(project, source, out.io.env);
  if (flags.json === true) {
    out.json({ plugin: detail });
    return;
  }
  for (const problem of problems) out.problem(problem);
  const { bold, dim, cyan } = out.colors;
  const manifest = source.manifest;
  const lines = [
    `${bold(cyan(source.name))}@${source.version}${manifest.description === undefined ? '' : `  ${dim(manifest.description)}`}`,
    `  origin      ${source.origin}${detail.directory === undefined ? '' : ` (${detail.directory})`}`,
    ...(detail.entry === undefined ? [] : [`  entry       ${detail.entry}`]),
    `  activation  ${manifest.activation}, isolation ${manifest.isolation}${manifest.hostApi === undefined ? '' : `, host API ${manifest.hostApi}`}`,
    ...section(
      'Depends on',
      [
        ...entries(manifest.dependencies),
        ...entries(manifest.optionalDependencies).map((line) => `${line} (optional)`),
      ],
      bold,
    ),
    ...section('Needed by', detail.dependents, bold),
    ...section('Provides', [...manifest.provides], bold),
    ...section(
      'Permissions',
      [
        ...(manifest.permissions.calls.length > 0
          ? [`calls    ${manifest.permissions.calls.join(', ')}`]
          : []),
        ...(manifest.permissions.emits.length > 0
          ? [`emits    ${manifest.permissions.emits.join(', ')}`]
          : []),
        `observes ${manifest.permissions.observes.join(', ')}`,
      ],
      bold,
    ),
    ...section(
      'Config fields',
      detail.configSchema.map(
        (field) =>
          `${field.key}: ${field.type}${field.required ? '' : '?'}${'default' in field ? ` = ${JSON.stringify(field.default)}` : ''}`,
      ),
      bold,
    ),
    ...section('Config (file, then environment)', JSON.stringify(detail.config, null, 2).split('\n'), bold),
    ...section(
      'Set from the environment',
      detail.configFromEnv.map((entry) => `${entry.variable} → ${entry.path}`),
      bold,
    ),
    ...section(
      'Commands',
      detail.commands.map((command) => `trellis ${command.name}  ${dim(command.description)}`),
      bold,
    ),
  ];
  out.line(lines.join('\n'));
}

async function infoRunning(context: CommandContext, name: string, flags: InfoFlags): Promise<void> {
  const { out } = context;
  const { client, url } = await connectAdmin(out, flags);
  const plugin: PluginDetail = await client.plugin(name);
  if (flags.json === true) {
    out.json({ url, plugin });
    return;
  }
  const { bold, dim, cyan, red } = out.colors;
  const lines = [
    `${bold(cyan(plugin.name))}@${plugin.version}  ${paintState(plugin.state, out.colors)}${plugin.disabledBy === undefined ? '' : dim(` (because ${plugin.disabledBy} is disabled)`)}`,
    `  activation  ${plugin.activation}${plugin.setupMs === undefined ? '' : `, setup ${plugin.setupMs} ms`}`,
    ...(plugin.directory === undefined
      ? []
      : [`  directory   ${relative(out.io.cwd, plugin.directory) || '.'}`]),
    ...(plugin.error === undefined ? [] : ['', red(`${plugin.error.code}: ${plugin.error.message}`)]),
    ...section('Depends on', [...plugin.dependencies], bold),
    ...section('Needed by', [...plugin.dependents], bold),
    ...section('Capabilities', [...plugin.capabilities], bold),
    ...section(
      'Routes',
      plugin.routes.map((route) => `${route.method.padEnd(6)} ${route.path}  ${dim(route.state)}`),
      bold,
    ),
  ];
  out.line(lines.join('\n'));
}

/** `trellis info <plugin>`. */
export function registerInfo(program: Command, context: CommandContext): void {
  withJsonOption(
    withAdminOptions(
      withConfigOption(
        program
          .command('info')
          .description(
            "show a plugin's manifest, dependencies, config and commands (or its live state with --url)",
          )
          .argument('<plugin>', 'plugin name'),
      ),
      true,
    ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ trellis info hello\n  $ trellis info hello --url http://127.0.0.1:3000 --json',
    )
    .action((name: string, flags: InfoFlags) =>
      flags.url === undefined ? infoDiscovered(context, name, flags) : infoRunning(context, name, flags),
    );
}
