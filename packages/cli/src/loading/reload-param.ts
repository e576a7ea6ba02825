/**
 * The query parameter that marks a fresh import of a plugin module (`index.js?trellis-reload=3`). The
 * reload hooks copy it onto the relative imports of that module, so the whole plugin is evaluated again,
 * not only its entry file.
 */
export const RELOAD_PARAM = 'trellis-reload';
