import type { ResolveHook } from 'node:module';
import { RELOAD_PARAM } from './reload-param.js';

/**
 * Module resolution hook registered by `trellis dev` (and by a host asked to reload a plugin). Node caches
 * ES modules by URL for the life of the process, so re-importing `index.js?trellis-reload=3` evaluates
 * the entry again but would reuse every module it imports. This hook gives the files such a module
 * imports the same marker, so edits anywhere in a plugin's own sources take effect; packages under
 * `node_modules` keep their single instance (one `@trellis/core`, one `zod`), as they must.
 */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  const parent = context.parentURL;
  if (parent === undefined || !resolved.url.startsWith('file:') || resolved.url.includes('/node_modules/'))
    return resolved;
  const marker = new URL(parent).searchParams.get(RELOAD_PARAM);
  if (marker === null) return resolved;
  const url = new URL(resolved.url);
  url.searchParams.set(RELOAD_PARAM, marker);
  return { ...resolved, url: url.href };
};
