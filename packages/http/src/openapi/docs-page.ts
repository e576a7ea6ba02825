import type { OpenApiDocument, Operation } from './openapi-document.js';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

function json(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

function section(title: string, body: string): string {
  return `<details><summary>${escapeHtml(title)}</summary>${body}</details>`;
}

function renderOperation(method: string, path: string, operation: Operation): string {
  const parts: string[] = [];
  if (typeof operation.description === 'string') parts.push(`<p>${escapeHtml(operation.description)}</p>`);
  const security = operation.security as Array<Record<string, string[]>> | undefined;
  parts.push(
    `<p class="auth">${
      security === undefined
        ? 'Open to anyone.'
        : `Requires ${security
            .map((alternative) =>
              escapeHtml(
                Object.entries(alternative)
                  .map(([scheme, grants]) =>
                    grants.length === 0 ? scheme : `${scheme} (${grants.join(', ')})`,
                  )
                  .join(' + '),
              ),
            )
            .join(' or ')}.`
    }</p>`,
  );
  if (Array.isArray(operation.parameters)) parts.push(section('Parameters', json(operation.parameters)));
  const requestBody = operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined;
  const requestSchema = requestBody?.content?.['application/json']?.schema;
  if (requestSchema !== undefined) parts.push(section('Request body', json(requestSchema)));
  const success = (operation.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>)[
    '200'
  ];
  const responseSchema = success?.content?.['application/json']?.schema;
  if (responseSchema !== undefined) parts.push(section('Response', json(responseSchema)));
  const summary =
    typeof operation.summary === 'string'
      ? ` <span class="summary">${escapeHtml(operation.summary)}</span>`
      : '';
  return `<article><h3><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code>${summary}</h3>${parts.join('')}</article>`;
}

/**
 * A self-contained HTML page listing every operation of `document` with its auth, parameters and schemas:
 * no script, no stylesheet or font from elsewhere, so it works offline and behind strict CSPs.
 */
export function renderDocsPage(document: OpenApiDocument, documentPath: string): string {
  const operations = Object.entries(document.paths)
    .sort(([first], [second]) => first.localeCompare(second))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => renderOperation(method, path, operation)),
    );
  const description =
    document.info.description === undefined ? '' : `<p>${escapeHtml(document.info.description)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
article{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
h3{margin:.3rem 0;font-size:1rem}.summary{font-weight:normal;color:#57606a}
.method{display:inline-block;min-width:4.5rem;text-align:center;border-radius:4px;color:#fff;background:#57606a;font-size:.8rem;padding:.1rem .3rem}
.get{background:#0969da}.post{background:#1a7f37}.put,.patch{background:#9a6700}.delete{background:#cf222e}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.85rem}.auth{color:#57606a;font-size:.9rem}
</style></head><body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
${description}<p>Machine-readable: <a href="${escapeHtml(documentPath)}">${escapeHtml(documentPath)}</a> (OpenAPI ${escapeHtml(document.openapi)}). Errors answer <code>{ "error": { "code", "message", "details" } }</code>.</p>
${operations.length === 0 ? '<p>No operation is documented yet.</p>' : operations.join('\n')}
</body></html>`;
}
