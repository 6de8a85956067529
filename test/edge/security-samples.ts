/**
 * What each signed route needs to succeed, for the generated security suite (security.test.ts): the
 * client holding its scope, a concrete path, a body, the success status, and a `setup` that creates
 * the resources it acts on (a run to read, approve or reject). A route without an entry here fails
 * the suite: add one when you add a route.
 */
import type { TestApp } from '../support/app.ts';
import { thingJson } from '../support/app.ts';
import { freshId } from '../support/sign.ts';
import { sendSigned } from './calls.ts';

/** A route's call, ready to send: the concrete path (with its parameters) and a body factory. */
export interface PreparedCall {
  path: string;
  /**
   * A valid body. Mutating routes return a different body on every call (bytes differ, meaning does
   * not), so a webhook-id re-signed over "another body" can be tried on every route.
   */
  body: () => string;
  /** The path parameters used, so a replay on another route can aim at the same resource. */
  params: Record<string, string>;
}

export interface RouteSample {
  /** The client that holds the route's scope, when `soar` does not. */
  clientId?: string;
  /** A concrete path (the route's own when it has no parameters). */
  path?: string;
  body?: () => string;
  /** The status of a successful call (mutating routes; reads answer 200). */
  status?: number;
  /** The scope this call needs, for a route whose scope is computed from the request (a run: the playbook's). */
  scope?: string;
  /** Creates what the call acts on; returns the path parameters (and the body, when it names them). */
  setup?: (t: TestApp) => Promise<{ params: Record<string, string>; body?: () => string }>;
}

let counter = 0;
/** The same JSON with a different amount of trailing whitespace each time: another body, same meaning. */
const respaced = (json: string) => (): string => `${json.slice(0, -1)}${' '.repeat((++counter % 64) + 1)}}`;

/** A public address that differs per call (no guardrail refuses it). */
const nextIndicator = (): string => {
  counter += 1;
  return `45.${(counter >> 8) & 255}.${counter & 255}.9`;
};
const blockBody = (): string => JSON.stringify({ playbook: 'block-ip', inputs: { indicators: nextIndicator(), reason: 'security suite' } });

async function runId(res: Response): Promise<string> {
  const body = (await res.json()) as { id?: string; status?: string };
  if (res.status !== 202 || !body.id) throw new Error(`setup: the run was not accepted: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** A run of block-ip (applied by the reconciler on the three simulated clouds). */
async function blockRun(t: TestApp): Promise<{ params: Record<string, string> }> {
  return { params: { id: await runId(await sendSigned(t, '/v1/playbooks/block-ip/runs', { body: blockBody() })) } };
}

/** A run that waits for a second person: tcp/9000 from the web tier is neither standard nor denied by policy. */
async function pendingRun(t: TestApp): Promise<string> {
  const inputs = { from: 'web', to: 'api', protocol: 'tcp', port: 9000, reason: 'security suite' };
  const res = await sendSigned(t, '/v1/playbooks/allow-ingress/runs', { body: JSON.stringify({ playbook: 'allow-ingress', inputs }) });
  return runId(res);
}

/** Approve and reject bind the signed body to the run and the decision in the path; a fresh comment makes each body differ. */
const decisionSample = (decision: 'approve' | 'reject'): RouteSample => ({
  clientId: 'approver',
  status: 200,
  setup: async (t) => {
    const id = await pendingRun(t);
    return { params: { id }, body: () => JSON.stringify({ run: id, decision, comment: freshId() }) };
  },
});

export const SAMPLES: Record<string, RouteSample> = {
  'POST /v1/test/things': { body: () => thingJson(freshId()), status: 201 },
  'POST /v1/test/other-things': { body: () => thingJson(freshId()), status: 201 },
  'POST /v1/playbooks/{name}/runs': { path: '/v1/playbooks/block-ip/runs', body: blockBody, status: 202, scope: 'block' },
  'POST /v1/runs/{id}/approve': decisionSample('approve'),
  'POST /v1/runs/{id}/reject': decisionSample('reject'),
  'POST /v1/connectors/{id}/check': {
    clientId: 'operator',
    path: '/v1/connectors/aws-sandbox/check',
    body: respaced('{"connector":"aws-sandbox"}'),
    status: 200,
  },
  'POST /v1/audit/checkpoints': {
    clientId: 'auditor',
    body: respaced('{"type":"audit.checkpoint"}'),
    status: 201,
    // A checkpoint needs a non-empty log.
    setup: async (t) => {
      await t.store.commit({ audit: [{ action: 'test.seeded', outcome: 'success' }] });
      return { params: {} };
    },
  },
  'GET /v1/whoami': {},
  'GET /v1/playbooks': {},
  'GET /v1/runs': {},
  'GET /v1/blocks': {},
  'GET /v1/connectors': {},
  'GET /v1/test/things': {},
  'GET /v1/runs/{id}': { setup: blockRun },
  'GET /v1/runs/{id}/preview': { setup: async (t) => ({ params: { id: await pendingRun(t) } }) },
  'GET /v1/connectors/{id}/analysis': { path: '/v1/connectors/aws-sandbox/analysis' },
  'GET /v1/reports/changes': {},
  'GET /v1/audit/events': { clientId: 'auditor' },
  'GET /v1/audit/verify': { clientId: 'auditor' },
  'GET /v1/audit/checkpoints': { clientId: 'auditor' },
};

/** Fills `{param}` with the given values (`probe` for any other). */
export const fillPath = (template: string, params: Record<string, string>): string =>
  template.replace(/\{([^}]+)\}/g, (_, name: string) => params[name] ?? 'probe');

/** Runs the sample's setup and returns the call to make. */
export async function prepare(t: TestApp, template: string, sample: RouteSample): Promise<PreparedCall> {
  const made = (await sample.setup?.(t)) ?? { params: {} };
  const path = sample.path ?? fillPath(template, made.params);
  return { path, body: made.body ?? sample.body ?? (() => ''), params: made.params };
}
