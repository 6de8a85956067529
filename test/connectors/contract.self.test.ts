/**
 * Checks the connector contract suite itself against a tiny in-memory TEST DOUBLE of the Connector
 * interface (no SDK, no HTTP): a NACL-like deny placement and an SG-like allow placement, ownership by
 * description, the shared retry policy on a fake clock.
 *
 * To see that the suite catches broken connectors, inject defects, e.g.
 *   CONTRACT_FAKE_DEFECTS=duplicate-create,owns-everything npx vitest run test/connectors/contract.self.test.ts
 * Defects: duplicate-create, delete-missing-fails, no-retry, release-inexact, owns-everything,
 * validates-nothing, half-applied, forgets-quarantine. With none set, every test must pass.
 */
import { withRetry } from '../../src/connectors/retry.ts';
import {
  type Connector,
  ConnectorError,
  type ConnectorLimits,
  defaultRetryOptions,
  type NormalizedRule,
  type OperationResult,
  type RuleChange,
} from '../../src/connectors/types.ts';
import type { SimulatorControls } from '../../src/connectors/simulator.ts';
import { tryParseCidr } from '../../src/net/cidr.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { runConnectorContract } from './contract.ts';
import type { ConnectorHarness } from './harness.ts';

const defects = new Set((process.env.CONTRACT_FAKE_DEFECTS ?? '').split(',').filter(Boolean));
const MARKER = 'portcullis';
const RESOURCES = { nacl: 'acl-fake', sg: 'sg-fake', nsg: 'nsg-fake', firewall: 'fw-fake', nfw: 'rg-fake', 'cf-list': 'list-fake', wafv2: 'waf-fake' } as const;
const limits: ConnectorLimits = {
  supportsDeny: true,
  supportsIpv6: true,
  maxRulesPerDirection: 20,
  maxPrefixesPerRule: 4,
  maxPrefixesPerTarget: Number.POSITIVE_INFINITY,
  priorityBand: { from: 100, to: 199 },
  mixesAddressFamilies: false,
};

type Stored = NormalizedRule & { resource: string; cloudId: string };
type Host = { securityGroups: string[]; tags: Record<string, string> };

const fail = (kind: ConnectorError['info']['kind'], code: string, message: string, retryable: boolean) =>
  new ConnectorError({ kind, code, message, retryable });

class FakeCloud {
  rules: Stored[] = [];
  hosts = new Map<string, Host>([['i-fake', { securityGroups: ['sg-app', 'sg-ssh'], tags: {} }]]);
  prefixQuota = Number.POSITIVE_INFINITY;
  throttle = 0;
  failures = 0;
  slowPolls = 0;
  writes = 0;
  throttled = 0;
  private nextId = 1;
  readonly clock: FakeClock;
  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  /** Every request passes here, as an HTTP request to the cloud would. */
  request<T>(write: boolean, fn: () => T): T {
    if (write) this.writes++;
    if (this.failures > 0) {
      this.failures--;
      throw fail('transient', 'InternalError', 'the server had an internal error', true);
    }
    if (write && this.throttle > 0) {
      this.throttle--;
      this.throttled++;
      throw fail('throttled', 'Throttled', 'request rate exceeded', true);
    }
    return fn();
  }

  id(prefix: string): string {
    return `${prefix}-${this.nextId++}`;
  }
}

function sameRule(a: NormalizedRule, b: NormalizedRule): boolean {
  const key = (r: NormalizedRule) => JSON.stringify([r.placement, r.direction, r.action, r.protocol, r.ports, r.priority, [...r.cidrs].sort()]);
  return key(a) === key(b);
}

function createFakeConnector(cloud: FakeCloud): Connector {
  const retry = { ...defaultRetryOptions, maxAttempts: defects.has('no-retry') ? 1 : 5 };
  const ctx = { clock: cloud.clock, retry };
  const classify = (error: unknown) => fail('unknown', 'Unknown', String(error), false);

  async function change(c: RuleChange): Promise<string | undefined> {
    const rule = c.rule;
    const resource = RESOURCES[rule.placement];
    if (c.op === 'delete') {
      return cloud.request(true, () => {
        const index = cloud.rules.findIndex((r) => r.cloudId === rule.cloudId && r.owned);
        if (index < 0 && defects.has('delete-missing-fails')) throw fail('not_found', 'NotFound', 'no such rule', false);
        if (index >= 0) cloud.rules.splice(index, 1);
        return undefined;
      });
    }
    const id = cloud.request(true, () => {
      const existing = c.op === 'update' ? cloud.rules.find((r) => r.cloudId === c.before.cloudId) : undefined;
      const others = cloud.rules.filter((r) => r !== existing && r.resource === resource);
      const duplicate = others.find((r) => r.owned && sameRule(r, rule));
      if (duplicate && !defects.has('duplicate-create')) return duplicate.cloudId;
      const prefixes = others.reduce((n, r) => n + r.cidrs.length, 0) + rule.cidrs.length;
      if (prefixes > cloud.prefixQuota) {
        if (defects.has('half-applied')) cloud.rules.push({ ...rule, cidrs: rule.cidrs.slice(0, 1), resource, cloudId: cloud.id('half') });
        throw fail('quota', 'PrefixQuotaExceeded', `Quota 'PREFIXES' exceeded. Limit: ${cloud.prefixQuota}`, false);
      }
      if (rule.placement !== 'sg' && others.some((r) => r.direction === rule.direction && r.priority === rule.priority)) {
        throw fail('conflict', 'PriorityConflict', `priority ${rule.priority} is in use`, false);
      }
      const stored: Stored = { ...rule, owned: true, description: MARKER, resource, cloudId: existing?.cloudId ?? cloud.id('rule') };
      if (existing) cloud.rules[cloud.rules.indexOf(existing)] = stored;
      else cloud.rules.push(stored);
      return stored.cloudId;
    });
    // A long-running operation: poll until done, waiting on the fake clock.
    for (let poll = 0; poll < cloud.slowPolls; poll++) {
      await cloud.clock.sleep(500);
      cloud.request(false, () => undefined);
    }
    return id;
  }

  const quarantineLabel = 'portcullis-previous';
  return {
    type: 'aws-ec2',
    id: 'fake',
    targets: () => ['fake-target'],
    // Like AWS: the SG-like allow placement holds one prefix per rule and no denies.
    limits: (_target, placement) => (placement === 'sg' ? { ...limits, maxPrefixesPerRule: 1, supportsDeny: false } : limits),
    validate(_target, rule) {
      if (defects.has('validates-nothing')) return [];
      const problems: string[] = [];
      for (const cidr of rule.cidrs) {
        const parsed = tryParseCidr(cidr);
        if (!parsed.ok) problems.push(parsed.error.message);
      }
      for (const p of rule.ports) {
        if (!(p.from >= 0 && p.to <= 65535 && p.from <= p.to)) problems.push(`port range ${p.from}-${p.to} is outside 0-65535`);
      }
      const { from, to } = limits.priorityBand;
      if (rule.placement !== 'sg' && (rule.priority < from || rule.priority > to)) {
        problems.push(`priority ${rule.priority} is outside the owned band ${from}-${to}`);
      }
      return problems;
    },
    async list() {
      return cloud.request(false, () =>
        cloud.rules.map(({ resource: _r, ...rule }) => ({
          ...rule,
          owned: defects.has('owns-everything') || rule.description === MARKER,
        })),
      );
    },
    async apply(_target, changes) {
      const results: OperationResult[] = [];
      for (const c of changes) {
        const outcome = await withRetry(c.op, async () => ({ value: await change(c) }), ctx, classify);
        const result: OperationResult = { change: c, ok: outcome.ok, calls: [{ operation: c.op, attempts: outcome.attempts }] };
        if (outcome.ok && outcome.value) result.cloudId = outcome.value;
        if (!outcome.ok) result.error = outcome.error;
        results.push(result);
      }
      return results;
    },
    async check() {
      return { ok: true, checks: [] };
    },
    async quarantine(_target, host) {
      const state = cloud.hosts.get(host)!;
      const saved = state.tags[quarantineLabel];
      if (saved && !defects.has('forgets-quarantine')) return { ok: true, previous: JSON.parse(saved), calls: [] };
      const previous = { securityGroups: [...state.securityGroups] };
      cloud.request(true, () => {
        state.tags[quarantineLabel] = JSON.stringify(previous);
        state.securityGroups = ['sg-quarantine'];
      });
      return { ok: true, previous, calls: [] };
    },
    async release(_target, host) {
      const state = cloud.hosts.get(host)!;
      const saved = state.tags[quarantineLabel];
      if (!saved) return { ok: true, calls: [] };
      // The saved tag, not the caller's copy, is the truth (it survives a lost quarantine answer).
      const restore = JSON.parse(saved) as { securityGroups: string[] };
      cloud.request(true, () => {
        state.securityGroups = [...restore.securityGroups];
        if (!defects.has('release-inexact')) delete state.tags[quarantineLabel];
      });
      return { ok: true, calls: [] };
    },
  };
}

function controls(cloud: FakeCloud): SimulatorControls {
  return {
    throttleNext(count) {
      cloud.throttle = count;
    },
    failNext(count) {
      cloud.failures = count;
    },
    slowOperations(polls) {
      cloud.slowPolls = polls;
    },
    writeCalls: () => cloud.writes,
    throttledCalls: () => cloud.throttled,
    async addForeignRule(resource, rule) {
      const { description: _d, ...plain } = rule;
      cloud.rules.push({ ...plain, owned: false, resource, cloudId: cloud.id('foreign') });
    },
    async deleteOutOfBand(_resource, cloudId) {
      cloud.rules = cloud.rules.filter((r) => r.cloudId !== cloudId);
    },
    hostState: (host) => structuredClone(cloud.hosts.get(host)),
  };
}

const fakeHarness: ConnectorHarness = {
  name: 'in-memory test double',
  // Its writes poll a fake operation (slowOperations) on the clock, as ARM and GCP do.
  longRunningOperations: true,
  async setup() {
    const clock = new FakeClock();
    const cloud = new FakeCloud(clock);
    return {
      connector: createFakeConnector(cloud),
      targetId: 'fake-target',
      host: 'i-fake',
      sim: controls(cloud),
      clock,
      resourceFor: (placement) => RESOURCES[placement],
      placements: { deny: 'nacl', allow: 'sg' },
      async capacityScenario() {
        cloud.prefixQuota = cloud.rules.filter((r) => r.resource === RESOURCES.nacl).length + 1;
        const rule: NormalizedRule = {
          direction: 'ingress',
          action: 'deny',
          protocol: 'all',
          ports: [],
          placement: 'nacl',
          cidrs: ['192.0.2.1/32', '192.0.2.2/32'],
          priority: 150,
          owned: true,
        };
        return { changes: [{ op: 'create', rule }], expectKind: 'quota' };
      },
      async teardown() {},
    };
  },
};

runConnectorContract(fakeHarness);
