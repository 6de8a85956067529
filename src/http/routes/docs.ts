import type { App } from '../../app.ts';
import type { Services } from '../../services.ts';
import { securitySchemes } from './security.ts';

const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
  security?: Record<string, unknown>[];
}

/** OpenAPI 3.1 at /openapi.json, and a self-contained HTML rendering at /docs (no CDN: works offline). */
export function registerDocs(app: App, services: Services): void {
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'portcullis API',
      version: services.version,
      description:
        'Signed SIEM/SOAR calls in, reconciled cloud firewall changes out. Errors are RFC 9457 problem+json. Idempotency-Key records are kept for the configured retention (at least 24 h).',
    },
  };
  app.openAPIRegistry.registerComponent('securitySchemes', 'standardWebhooks', securitySchemes.standardWebhooks);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerToken', securitySchemes.bearerToken);
  app.doc31('/openapi.json', document);

  app.get('/docs', (c) => {
    const spec = app.getOpenAPI31Document(document) as unknown as { paths?: Record<string, Record<string, Operation>> };
    const rows: string[] = [];
    for (const [path, methods] of Object.entries(spec.paths ?? {})) {
      for (const [method, op] of Object.entries(methods)) {
        const params = (op.parameters ?? [])
          .map((p) => `<li><code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''}) ${escapeHtml(p.description)}</li>`)
          .join('');
        const body = op.requestBody?.content?.['application/json']?.schema;
        const responses = Object.entries(op.responses ?? {})
          .map(([status, r]) => `<li><b>${escapeHtml(status)}</b> ${escapeHtml(r.description)}</li>`)
          .join('');
        rows.push(`<section><h3><span class="m">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary)}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}
${op.security ? `<p>Auth: ${escapeHtml(op.security.map((s) => Object.keys(s).join('+')).join(' or '))}</p>` : '<p>Auth: none</p>'}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}
${body ? `<h4>Body</h4><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre>` : ''}
<h4>Responses</h4><ul>${responses}</ul></section>`);
      }
    }
    return c.html(`<!doctype html><html><head><meta charset="utf-8"><title>portcullis API</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd;padding:.5rem 0}
.m{background:#222;color:#fff;padding:0 .4rem;border-radius:3px;font-size:.8em}pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:20rem}</style></head>
<body><h1>portcullis API <small>${escapeHtml(services.version)}</small></h1>
<p>${escapeHtml(document.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>Signing</h2><p>${escapeHtml(securitySchemes.standardWebhooks.description)}</p>
${rows.join('\n')}</body></html>`);
  });
}
