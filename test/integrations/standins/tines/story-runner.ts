/**
 * The smallest stand-in for Tines that lets the story's own logic run: it walks a story export's
 * agents along its links and evaluates exactly the formula features the portcullis story uses, each
 * as Tines documents it (and nothing else: an unknown function, agent type or option fails the run):
 * - pills `<<expr>>` in text fields: the value converted to text and joined with the surrounding text;
 *   a field starting with `=` is a formula field and keeps the value's type (tines.com/docs/formulas);
 * - references by action slug (lowercased, special characters to `_`), `CREDENTIAL.name`, `RESOURCE.name`;
 * - UUID(), UNIX_TIMESTAMP(), HMAC_SHA256_BASE64(text, secret) (tines.com/docs/formulas/functions/…);
 * - Webhook: the posted JSON under `body` (include_headers is on by default), headers under `headers`;
 * - Event Transform `message_only`: emits its payload; HTTP Request: url, method, headers, payload
 *   (a text payload is sent as it is when no content_type is set: tines.com/docs/actions/types/http-request),
 *   emitting `body`, `headers`, `status`.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface StoryAgent {
  type: string;
  name: string;
  guid: string;
  options: Record<string, unknown>;
}
export interface Story {
  agents: StoryAgent[];
  links: { source: number; receiver: number }[];
}
export interface TinesTenant {
  credentials: Record<string, string>;
  resources: Record<string, string>;
  now?: () => number;
}

export const slugOf = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');

type Value = unknown;
type Scope = Record<string, Value>;

const FUNCTIONS: Record<string, (args: Value[], tenant: TinesTenant) => Value> = {
  UUID: () => randomUUID(),
  UNIX_TIMESTAMP: (_a, t) => Math.floor((t.now?.() ?? Date.now()) / 1000),
  HMAC_SHA256_BASE64: ([text, secret]) => createHmac('sha256', String(secret)).update(String(text)).digest('base64'),
};

/** Evaluates one formula expression: a call, a reference path or a string/number literal. */
export function evaluate(source: string, scope: Scope, tenant: TinesTenant): Value {
  let i = 0;
  const ws = () => {
    while (/\s/.test(source[i] ?? '')) i++;
  };
  const expr = (): Value => {
    ws();
    const c = source[i];
    if (c === '"') {
      const end = source.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated string in ${source}`);
      const s = source.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (/\d/.test(c ?? '')) {
      const m = /^\d+(\.\d+)?/.exec(source.slice(i));
      i += m?.[0].length ?? 0;
      return Number(m?.[0]);
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))?.[0];
    if (!ident) throw new Error(`unexpected "${source.slice(i)}" in formula ${source}`);
    i += ident.length;
    ws();
    if (source[i] === '(') {
      i++;
      const args: Value[] = [];
      ws();
      while (source[i] !== ')') {
        args.push(expr());
        ws();
        if (source[i] === ',') i++;
        else if (source[i] !== ')') throw new Error(`expected , or ) in ${source}`);
      }
      i++;
      const fn = FUNCTIONS[ident];
      if (!fn) throw new Error(`formula function ${ident} is not modelled by this stand-in`);
      return fn(args, tenant);
    }
    let value: Value = ident === 'CREDENTIAL' ? tenant.credentials : ident === 'RESOURCE' ? tenant.resources : scope[ident];
    while (source[i] === '.') {
      i++;
      const key = /^[A-Za-z0-9_-]+/.exec(source.slice(i))?.[0] ?? '';
      i += key.length;
      value = value && typeof value === 'object' ? (value as Record<string, Value>)[key] : undefined;
    }
    if (value === undefined) throw new Error(`${source}: no such value`);
    return value;
  };
  const out = expr();
  ws();
  if (i !== source.length) throw new Error(`trailing "${source.slice(i)}" in formula ${source}`);
  return out;
}

const asText = (v: Value): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Resolves pills and formula fields in an option value, recursively. */
export function render(value: Value, scope: Scope, tenant: TinesTenant): Value {
  if (typeof value === 'string') {
    if (value.startsWith('=')) return evaluate(value.slice(1), scope, tenant);
    return value.replace(/<<(.+?)>>/g, (_m, e: string) => asText(evaluate(e, scope, tenant)));
  }
  if (Array.isArray(value)) return value.map((v) => render(v, scope, tenant));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, scope, tenant)]));
  return value;
}

/** Posts `body` to the story's webhook and runs every downstream action in link order; returns the last event. */
export async function runStory(story: Story, body: unknown, tenant: TinesTenant): Promise<Scope> {
  const entry = story.agents.findIndex((a) => a.type === 'Agents::WebhookAgent');
  const webhook = story.agents[entry];
  if (!webhook) throw new Error('the story has no webhook action');
  let event: Scope = { [slugOf(webhook.name)]: { body, headers: { 'content-type': 'application/json' } } };
  let current = entry;
  for (;;) {
    const next = story.links.filter((l) => l.source === current).map((l) => l.receiver);
    if (next.length > 1) throw new Error('branching is not modelled by this stand-in');
    const index = next[0];
    if (index === undefined) return event;
    const agent = story.agents[index];
    if (!agent) throw new Error(`link to agent ${index}, which does not exist`);
    event = { ...event, [slugOf(agent.name)]: await runAgent(agent, event, tenant) };
    current = index;
  }
}

export async function runAgent(agent: StoryAgent, event: Scope, tenant: TinesTenant): Promise<Value> {
  const o = agent.options;
  if (agent.type === 'Agents::EventTransformationAgent') {
    if (o.mode !== 'message_only') throw new Error(`${agent.name}: mode ${String(o.mode)} is not modelled`);
    return render(o.payload, event, tenant);
  }
  if (agent.type === 'Agents::HTTPRequestAgent') {
    const known = new Set(['url', 'method', 'headers', 'payload', 'log_error_on_status']);
    for (const k of Object.keys(o)) if (!known.has(k)) throw new Error(`${agent.name}: option ${k} is not modelled`);
    const payload = render(o.payload, event, tenant);
    if (typeof payload !== 'string') throw new Error(`${agent.name}: only a text payload is modelled (no content_type)`);
    const res = await fetch(String(render(o.url, event, tenant)), {
      method: String(o.method ?? 'post').toUpperCase(),
      headers: render(o.headers ?? {}, event, tenant) as Record<string, string>,
      body: payload,
    });
    const text = await res.text();
    let parsed: Value = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { body: parsed, headers: Object.fromEntries(res.headers), status: res.status };
  }
  throw new Error(`${agent.name}: action type ${agent.type} is not modelled`);
}
