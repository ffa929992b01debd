/**
 * `/docs`: the OpenAPI document as one self-contained HTML page (no script, no CDN: it works offline and
 * behind any CSP): every operation with its summary, parameters and bodies, and the raw document.
 */
const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface Doc {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
}

const schemaBlock = (label: string, content: Record<string, { schema?: unknown }> | undefined): string =>
  Object.entries(content ?? {})
    .map(
      ([type, { schema }]) =>
        `<details><summary>${escapeHtml(label)} <code>${escapeHtml(type)}</code></summary><pre>${escapeHtml(JSON.stringify(schema ?? {}, null, 2))}</pre></details>`,
    )
    .join('');

export function apiDocsPage(document: object, jsonUrl = '/openapi.json'): string {
  const doc = document as Doc;
  const title = `${doc.info?.title ?? 'API'} ${doc.info?.version ?? ''}`.trim();
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = (op.parameters ?? [])
        .map(
          (p) => `<code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''})`,
        )
        .join(', ');
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => schemaBlock(`${status} ${r.description ?? ''}`, r.content))
        .join('');
      return `<section><h3><span class="m ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code>${op.security?.length === 0 ? ' <small>no token</small>' : ''}</h3>
<p>${escapeHtml(op.summary ?? '')}</p>${params ? `<p>Parameters: ${params}</p>` : ''}${schemaBlock('Request body', op.requestBody?.content)}${responses}</section>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
section{border-top:1px solid #d0d7de;padding:.5rem 0}h3{margin:.3rem 0;font-size:1rem}
.m{display:inline-block;min-width:4.5rem;font-family:monospace;padding:0 .3rem;border-radius:3px;color:#fff;background:#57606a}
.get{background:#0969da}.post{background:#1a7f37}.put,.patch{background:#9a6700}.delete{background:#cf222e}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:12px}small{color:#57606a}
</style></head><body>
<h1>${escapeHtml(title)}</h1><p>${escapeHtml(doc.info?.description ?? '')}</p>
<p>Send the token in the <code>x-api-token</code> header. Machine-readable: <a href="${escapeHtml(jsonUrl)}">${escapeHtml(jsonUrl)}</a> (OpenAPI 3.1).</p>
${ops.join('\n')}
</body></html>`;
}
