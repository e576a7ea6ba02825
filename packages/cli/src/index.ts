export {
  ADMIN_ACTIONS,
  ADMIN_PATH,
  ADMIN_PLUGIN_NAME,
  ADMIN_SCHEME,
  type AdminAction,
  type PluginDetail,
  type PluginStatus,
} from './admin/admin-api.js';
export { type ActionResult, AdminClient } from './admin/admin-client.js';
export { EXIT_CODES } from './cli/exit-codes.js';
export { runCli } from './cli/program.js';
export {
  defineConfig,
  type HostConfig,
  type HttpConfig,
  type StoreConfig,
  type TrellisConfig,
} from './config/define-config.js';
export { CONFIG_FILE_NAMES, findConfigFile, type LoadedConfig, loadConfig } from './config/load-config.js';
export {
  type ConfigTarget,
  type EnvOverride,
  envName,
  envPrefix,
  type ResolvedPluginConfig,
  resolvePluginConfigs,
  validatePluginConfigs,
} from './config/plugin-config.js';
export { DEFAULT_HOST, DEFAULT_PORT, HOST_ENV, resolveSettings, type Settings } from './config/settings.js';
export { type Discovery, type DiscoveryOptions, discoverPlugins } from './discovery/discover-plugins.js';
export { type PluginOrigin, type PluginSource, readPluginPackage } from './discovery/plugin-package.js';
export { CLI_ERROR_CODES, type CliErrorCode, cliErrors } from './errors/cli-errors.js';
export {
  formatGraph,
  GRAPH_FORMATS,
  type GraphEdge,
  type GraphFormat,
  type GraphReport,
  graphReport,
} from './graph/format-graph.js';
export type { CliIo, OutputStream } from './output/output.js';
export {
  type CliCommand,
  type CliCommandArgs,
  type CliCommandArgument,
  type CliCommandContext,
  type CliCommandOption,
  defineCommand,
} from './plugin-commands/define-command.js';
export type { Problem, ProblemJson, Severity } from './problems/problem.js';
