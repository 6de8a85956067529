import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { http, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { awsEc2 } from '../../connectors/aws-ec2/index.ts';
import { mswHandlers as awsMsw } from '../../connectors/aws-ec2/simulator/msw.ts';
import { azureNsg } from '../../connectors/azure-nsg/index.ts';
import { mswHandlers as azureMsw } from '../../connectors/azure-nsg/msw.ts';
import { gcpFirewall } from '../../connectors/gcp-firewall/index.ts';
import { awsWafv2 } from '../../connectors/aws-wafv2/index.ts';
import { cloudflare } from '../../connectors/cloudflare/index.ts';
import { mswHandlers as gcpMsw } from '../../connectors/gcp-firewall/simulator/msw.ts';
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { type Composed, composeServices } from '../../src/compose.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { createTestDatabase, testsOnPostgres } from './postgres.ts';
import type { Simulator, SimulatorOptions } from '../../src/connectors/simulator.ts';
import { CLIENT_HEADER } from '../../src/http/auth.ts';
import { signHeaders } from '../../src/http/signature.ts';
import { createPinoLogger } from '../../src/log/pino.ts';
import { FakeClock } from './fake-clock.ts';

/** The connectors a shipped playbook names (each has one target, `edge`, in the sandbox): tests count from them. */
export const playbookConnectors = (name: string): string[] =>
  (parse(readFileSync(resolve(`playbooks/${name}.yaml`), 'utf8')) as { targets: { connector: string }[] }).targets.map((t) => t.connector);
export const BLOCK_IP_CONNECTORS: string[] = playbookConnectors('block-ip');

/** The shipped sandbox config's connectors as `<id>:<target ids>`, in config order. */
export const SANDBOX_CONNECTORS: string[] = (
  parse(readFileSync(resolve('portcullis.config.yaml'), 'utf8')) as { connectors: { id: string; targets: { id: string }[] }[] }
).connectors.map((c) => `${c.id}:${c.targets.map((t) => t.id).join(',')}`);

export const REQUESTER_SECRET = 'whsec_cmVxdWVzdGVyLXNlY3JldC1mb3ItZW5kLXRvLWVuZC10ZXN0cw==';
export const APPROVER_SECRET = 'whsec_YXBwcm92ZXItc2VjcmV0LWZvci1lbmQtdG8tZW5kLXRlc3RzIQ==';
export const OPERATOR_SECRET = 'whsec_b3BlcmF0b3Itc2VjcmV0LWZvci1lbmQtdG8tZW5kLXRlc3RzIQ==';
export const DETECTOR_SECRET = 'whsec_ZGV0ZWN0b3Itc2VjcmV0LWZvci1lbmQtdG8tZW5kLXRlc3RzIQ==';

/**
 * The whole service in-process, exactly as `portcullis serve` composes it (src/compose.ts), with the
 * three clouds' simulators answering the real SDKs through msw (`onUnhandledFrame: 'error'`) and a
 * fake clock everywhere. Config: the repo's sandbox config with a temp data directory and test clients.
 */
export interface E2E extends Composed {
  clock: FakeClock;
  sims: Sims;
  logs: string[];
  /** A signed request to the app (client "soar" unless another is named). */
  call(method: string, path: string, body?: unknown, opts?: { client?: 'soar' | 'approver' | 'operator' | 'detector'; headers?: Record<string, string> }): Promise<Response>;
  /** Runs a playbook and waits for every reconcile pass to finish; returns the run as GET /v1/runs/{id} shows it. */
  run(playbook: string, inputs: Record<string, unknown>): Promise<{ status: number; run: RunBody }>;
  close(): Promise<void>;
}

export interface RunBody {
  id: string;
  status: string;
  targets: { connector: string; target: string; state: string; intents: number; errors: string[] }[];
  [k: string]: unknown;
}

/**
 * The sandbox's simulators (seeded with the sandbox config's VPC, NSG, network, web ACL and list). The
 * WAF and Cloudflare ones only when the config keeps the sandbox's connectors of those types.
 */
export function createSimulators(options: SimulatorOptions, extras = true): Sims {
  return {
    aws: awsEc2.createSimulator(options),
    azure: azureNsg.createSimulator(options),
    gcp: gcpFirewall.createSimulator(options),
    ...(extras ? { waf: awsWafv2.createSimulator(options), cloudflare: cloudflare.createSimulator(options) } : {}),
  };
}

export interface Sims {
  aws: Simulator;
  azure: Simulator;
  gcp: Simulator;
  /** The sandbox's AWS WAF (aws-waf-sandbox, the second point of the AWS target's chain). */
  waf?: Simulator;
  /** The sandbox's Cloudflare list (cloudflare-sandbox). */
  cloudflare?: Simulator;
}

const originHandlers = (sim: Simulator) => sim.origins.map((origin) => http.all(`${origin}/*`, ({ request }) => sim.fetch(request)));

/** msw handlers that answer the real SDKs' HTTP with the simulators. */
export const simulatorHandlers = (sims: Sims) => [
  ...awsMsw(sims.aws),
  ...azureMsw(sims.azure),
  ...gcpMsw(sims.gcp),
  ...(sims.waf ? originHandlers(sims.waf) : []),
  ...(sims.cloudflare ? originHandlers(sims.cloudflare) : []),
];

/**
 * The sandbox config without its placement chains: the AWS target as a network ACL alone, for tests of
 * the NACL's own capacity and refusals (pass as `config`).
 */
export const withoutPlacementChains = (text: string): string => text.replace(/^placementChains:\n(?: {2}.*\n)+/m, '');

/** The sandbox connectors whose cloud API has one origin per account or region: a test bringing its own of the type replaces them. */
const SANDBOX_EXTRAS = ['aws-waf-sandbox', 'cloudflare-sandbox'];

/**
 * The sandbox config without its WAF and Cloudflare connectors, the placement chain through the WAF and
 * the playbook targets naming them: for a connector's own end-to-end test, which brings its connector of
 * that type (one simulator answers a cloud API's origin) and its own playbooks.
 */
export function withoutSandboxExtras(text: string): string {
  let out = text.replace(/^placementChains:\n(?: {2}.*\n)+/m, '');
  for (const id of SANDBOX_EXTRAS) {
    out = out.replace(new RegExp(`^(?:  # .*\\n)*  - id: ${id}\\n(?: {4}.*\\n)+`, 'm'), '');
  }
  return out;
}

/**
 * The repo's sandbox config with a data directory, the e2e clients (soar, approver, operator) and
 * real (non-simulated) connectors, whose SDK traffic msw routes to the simulators.
 */
export function e2eConfigText(dir: string, tiers?: string, extra: Pick<ExtraTargets, 'connectorsYaml' | 'playbooksDir'> = {}): string {
  const shipped = readFileSync(resolve('portcullis.config.yaml'), 'utf8');
  const repoConfig = extra.connectorsYaml ? withoutSandboxExtras(shipped) : shipped;
  return repoConfig
    .replace(/^connectors:\n/m, `connectors:\n${extra.connectorsYaml ?? ''}`)
    .replace(/^playbooksDir: .*/m, (line) => (extra.playbooksDir ? `playbooksDir: ${JSON.stringify(extra.playbooksDir)}` : line))
    .replace(/^sandbox: true/m, 'sandbox: false')
    .replace(/^dataDir: .*/m, `dataDir: ${JSON.stringify(dir)}`)
    .replace(/^log: .*/m, 'log: { level: info }')
    .replace(/^clients:[\s\S]*?\n\n/m, `clients:
  - id: soar
    scopes: [block, unblock, allow, quarantine, release, approve, runs:read, audit:read]
    secrets: [{ env: E2E_SOAR_SECRET }]
  - id: approver
    scopes: [approve, runs:read]
    secrets: [{ env: E2E_APPROVER_SECRET }]
  - id: operator
    scopes: [admin]
    secrets: [{ env: E2E_OPERATOR_SECRET }]
  - id: detector
    scopes: [block]
    secrets: [{ env: E2E_DETECTOR_SECRET }]

`)
    .replace(/^tiers:[\s\S]*?\n\n/m, `${tiers ?? 'tiers:\n  web: { cidrs: [10.0.1.0/24] }\n  api: { targets: [] }'}\n\n`)
    .replace(/ {4}simulator: true\n/g, '    simulator: false\n');
}

/**
 * More connectors beside the sandbox's three (a connector's own end-to-end test): their config blocks
 * (YAML list items, indented 2), simulators built on the e2e clock and routed through the same msw
 * server, and optionally a playbooks directory that aims playbooks at them.
 */
export interface ExtraTargets {
  connectorsYaml?: string;
  simulators?: (options: SimulatorOptions) => Simulator[];
  playbooksDir?: string;
}

export async function startE2E(
  options: {
    simulator?: SimulatorOptions;
    tiers?: string;
    extra?: ExtraTargets;
    /** Rewrites the config text (e.g. adds a connector or points playbooksDir elsewhere). */
    config?: (text: string) => string;
    /** YAML appended to the config (e.g. a `notifications:` block), secrets for it, and the outbound resolver. */
    configSuffix?: string;
    env?: Record<string, string>;
    resolve?: (host: string) => Promise<string[]>;
    /** YAML appended to the config, given the e2e data directory (e.g. `flowLogs:` naming files written there). */
    extraConfig?: (dir: string) => string;
    /** More msw handlers (e.g. object-storage simulators) beside the clouds'. */
    extraHandlers?: RequestHandler[];
  } = {},
): Promise<E2E> {
  const clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  const sims = createSimulators({ clock, ...options.simulator }, !options.extra?.connectorsYaml);
  const extraSims = options.extra?.simulators?.({ clock, ...options.simulator }) ?? [];
  const msw = setupServer(...simulatorHandlers(sims), ...extraSims.flatMap((sim) => sim.origins.map((origin) => http.all(`${origin}/*`, ({ request }) => sim.fetch(request)))), ...(options.extraHandlers ?? []));
  msw.listen({ onUnhandledFrame: 'error' });

  let configText = `${(options.config ?? ((t: string) => t))(e2eConfigText(dir, options.tiers, options.extra))}${options.configSuffix ?? ''}${options.extraConfig ? `\n${options.extraConfig(dir)}` : ''}`;
  // PORTCULLIS_TEST_STORE=postgres: the same services on a fresh PostgreSQL database (test/support/postgres.ts).
  const database = testsOnPostgres() ? await createTestDatabase('pc_test_e2e') : undefined;
  if (database) configText += '\nstore:\n  postgres:\n    url: { env: E2E_DATABASE_URL }\n';
  const config = parseConfig(configText, 'e2e.config.yaml');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const env: Record<string, string> = { ...(database ? { E2E_DATABASE_URL: database.url } : {}), E2E_SOAR_SECRET: REQUESTER_SECRET, E2E_APPROVER_SECRET: APPROVER_SECRET, E2E_OPERATOR_SECRET: OPERATOR_SECRET, E2E_DETECTOR_SECRET: DETECTOR_SECRET, ...options.env };
  const composed = await composeServices({
    registry: await loadConnectorRegistry(),
    config,
    configText,
    configPath: 'e2e.config.yaml',
    secrets: { env: (n) => env[n] },
    clock,
    log: createPinoLogger('info', sink),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  }).catch((error: unknown) => {
    // A start-up refusal (a test of it): leave no msw server listening and no data directory behind.
    msw.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });

  const call: E2E['call'] = async (method, path, body, opts = {}) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const client = opts.client ?? 'soar';
    const secret = { soar: REQUESTER_SECRET, approver: APPROVER_SECRET, operator: OPERATOR_SECRET, detector: DETECTOR_SECRET }[client];
    const headers = await signHeaders(secret, text, undefined, Math.floor(clock.now() / 1000));
    return composed.app.request(path, {
      method,
      headers: { ...headers, [CLIENT_HEADER]: client, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
      ...(body === undefined ? {} : { body: text }),
    });
  };

  return {
    ...composed,
    clock,
    sims,
    logs,
    call,
    async run(playbook, inputs) {
      const response = await call('POST', `/v1/playbooks/${playbook}/runs`, { playbook, inputs });
      const accepted = (await response.json()) as RunBody;
      if (response.status !== 202) return { status: response.status, run: accepted };
      await composed.reconciler.idle();
      const settled = await call('GET', `/v1/runs/${accepted.id}`);
      return { status: response.status, run: (await settled.json()) as RunBody };
    },
    async close() {
      await composed.reconciler.idle();
      msw.close();
      await composed.sqlite.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
