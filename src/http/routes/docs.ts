import type { App } from '../route.ts';
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

const TAGS = [
  { name: 'runs', description: 'Run playbooks (block, unblock, allow, revoke, quarantine, release) and read runs and blocks.' },
  { name: 'approvals', description: 'Four-eyes decisions on runs that wait for approval.' },
  { name: 'audit', description: 'The hash-chained audit log: pull with a cursor, verify, signed checkpoints.' },
  { name: 'analysis', description: 'Rule hygiene findings per target.' },
  { name: 'connectors', description: 'The configured clouds and their targets.' },
  { name: 'notifications', description: 'Signed webhooks out: the outbox, dead letters and redelivery.' },
  { name: 'operations', description: 'Liveness, readiness and the calling identity.' },
];

/** The Swagger UI files served under /docs/ (a fixed list: nothing else is read). */
const REFERENCE_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};

const REFERENCE_INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'BaseLayout',
  });
});
`;

const REFERENCE_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>portcullis API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script><script src="/docs/init.js"></script></body></html>`;

/**
 * OpenAPI 3.1 at /openapi.json. /docs is the API reference: Swagger UI from the swagger-ui-dist package,
 * served by this service (no CDN: works offline) when the entry point provides its files; otherwise a
 * plain built-in HTML rendering of the same document.
 */
export function registerDocs(app: App, services: Services): void {
  const document = (origin: string) => ({
    openapi: '3.1.0',
    info: {
      title: 'portcullis API',
      version: services.version,
      description:
        'Signed SIEM/SOAR calls in, reconciled cloud firewall changes out. Errors are RFC 9457 problem+json. Idempotency-Key records are kept for the configured retention (at least 24 h).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: origin, description: 'This service (the origin this document was fetched from)' }],
    tags: TAGS,
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'standardWebhooks', securitySchemes.standardWebhooks);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerToken', securitySchemes.bearerToken);
  app.doc31('/openapi.json', (c) => document(new URL(c.req.url).origin));

  const assets = services.apiReference;
  if (assets) {
    app.get('/docs', (c) => c.html(REFERENCE_HTML));
    app.get('/docs/init.js', (c) => c.body(REFERENCE_INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
    app.get('/docs/:file', async (c) => {
      const file = c.req.param('file');
      const type = REFERENCE_ASSETS[file];
      const bytes = type ? await assets.read(file) : undefined;
      if (!type || !bytes) return c.notFound();
      return c.body(bytes, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
    });
    app.get('/docs/plain', (c) => c.html(plainPage(app, document(new URL(c.req.url).origin), services.version)));
  } else {
    app.get('/docs', (c) => c.html(plainPage(app, document(new URL(c.req.url).origin), services.version)));
  }
}

type DocumentConfig = Parameters<App['getOpenAPI31Document']>[0];

/** The built-in rendering (no scripts): used where no Swagger UI files are provided (the Worker). */
function plainPage(app: App, document: DocumentConfig, version: string): string {
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
${op.security?.length ? `<p>Auth: ${escapeHtml(op.security.map((s) => Object.keys(s).join('+')).join(' or '))}</p>` : '<p>Auth: none</p>'}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}
${body ? `<h4>Body</h4><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre>` : ''}
<h4>Responses</h4><ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>portcullis API</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd;padding:.5rem 0}
.m{background:#222;color:#fff;padding:0 .4rem;border-radius:3px;font-size:.8em}pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:20rem}</style></head>
<body><h1>portcullis API <small>${escapeHtml(version)}</small></h1>
<p>${escapeHtml(document.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>Signing</h2><p>${escapeHtml(securitySchemes.standardWebhooks.description)}</p>
${rows.join('\n')}</body></html>`;
}
