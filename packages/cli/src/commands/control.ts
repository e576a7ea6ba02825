import type { Command } from 'commander';
import { ADMIN_ACTIONS, type AdminAction } from '../admin/admin-api.js';
import type { CommandContext } from '../cli/command-context.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { withAdminOptions, withConfigOption, withJsonOption } from '../cli/options.js';
import { type AdminFlags, connectAdmin } from './admin-connection.js';
import { paintState } from './list.js';

interface ControlFlags extends AdminFlags {
  readonly json?: boolean;
}

const DESCRIPTIONS: Readonly<Record<AdminAction, string>> = {
  enable: 'enable a disabled (or failed) plugin of a running host, and the plugins disabled with it',
  disable:
    'disable a plugin of a running host: its calls and routes answer E_PLUGIN_DISABLED (503) until enabled',
  reload: 'reload a plugin of a running host with fresh code from disk; calls wait instead of failing',
};

const PAST: Readonly<Record<AdminAction, string>> = {
  enable: 'enabled',
  disable: 'disabled',
  reload: 'reloaded',
};

/** `trellis enable|disable|reload <plugin>`. */
export function registerControl(program: Command, context: CommandContext): void {
  for (const action of ADMIN_ACTIONS) {
    withJsonOption(
      withAdminOptions(
        withConfigOption(
          program.command(action).description(DESCRIPTIONS[action]).argument('<plugin>', 'plugin name'),
        ),
        false,
      ),
    )
      .addHelpText('after', `\nExample:\n  $ trellis ${action} hello --url http://127.0.0.1:3000`)
      .action(async (name: string, flags: ControlFlags) => {
        const { out } = context;
        const { client, url } = await connectAdmin(out, flags);
        const result = await client.act(name, action);
        const expected = action === 'disable' ? 'disabled' : 'running';
        if (result.plugin.state !== expected) context.setExitCode(EXIT_CODES.failed);
        if (flags.json === true) {
          out.json({ url, ...result });
          return;
        }
        const followers = result.plugins.filter(
          (plugin) =>
            plugin.name !== name &&
            (plugin.disabledBy === name || result.plugin.dependents.includes(plugin.name)),
        );
        out.success(`${PAST[action]} ${name}: ${paintState(result.plugin.state, out.errorColors)}`);
        if (result.plugin.error !== undefined)
          out.note(`  ${result.plugin.error.code}: ${result.plugin.error.message}`);
        for (const plugin of followers)
          out.note(`  ${plugin.name}: ${paintState(plugin.state, out.errorColors)}`);
      });
  }
}
