import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from '../audit/types.ts';
import type { Connector } from '../connectors/types.ts';
import type { Store } from '../store/types.ts';
import { capacityUse } from '../notify/capacity.ts';
import { LeadTimeTracker } from './lead-time.ts';

/** Seconds: from a minute to a week (lead times include approvals that wait for a person). */
const LEAD_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400];
const PASS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const THROTTLE = /throttl|ratelimit|rate_limit|limitexceeded|toomanyrequests|quota.*exceeded/i;

export interface MetricsSources {
  store: Store;
  connectors: Map<string, Connector>;
  now(): number;
  /** Outbound notifications by state (dead = dead letters), when notifications are configured. */
  notificationCounts?(): Promise<Record<string, number>> | undefined;
  /** Export cursors (notifier, SIEM sinks): how far each has read the audit log. */
  exportCursors?(): Promise<{ name: string; seq: number }[]> | undefined;
}

/**
 * The service's Prometheus metrics. Counters and histograms are fed from the audit events as they are
 * committed (the audit log already records every call, decision, cloud operation and pass, so nothing
 * else in the service needs to know about metrics); gauges are read from the store at scrape time.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly tracker = new LeadTimeTracker();
  private readonly listStarted = new Map<string, number>();

  private readonly leadTarget = new Histogram({
    name: 'portcullis_change_lead_time_seconds',
    help: 'Time from the call received to its changes applied on a target (approval wait included), per playbook, action and connector',
    labelNames: ['playbook', 'action', 'connector'] as const,
    buckets: LEAD_BUCKETS,
    registers: [this.registry],
  });
  private readonly leadRun = new Histogram({
    name: 'portcullis_run_lead_time_seconds',
    help: 'Time from the call received to its changes applied on every target of the run',
    labelNames: ['playbook', 'action'] as const,
    buckets: LEAD_BUCKETS,
    registers: [this.registry],
  });
  private readonly approvalWait = new Histogram({
    name: 'portcullis_approval_wait_seconds',
    help: 'Time a run waited for a second person, by decision',
    labelNames: ['playbook', 'decision'] as const,
    buckets: LEAD_BUCKETS,
    registers: [this.registry],
  });
  private readonly runs = new Counter({
    name: 'portcullis_runs_total',
    help: 'Runs received, by playbook, action and approval (auto: applied without a person; manual: waited for one)',
    labelNames: ['playbook', 'action', 'approval'] as const,
    registers: [this.registry],
  });
  private readonly cloudCalls = new Counter({
    name: 'portcullis_cloud_calls_total',
    help: 'Cloud API attempts per connector and operation, by outcome (ok, retryable, fatal)',
    labelNames: ['connector', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly throttles = new Counter({
    name: 'portcullis_cloud_throttles_total',
    help: 'Cloud API attempts refused for rate limiting (retried with backoff), per connector',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });
  private readonly cloudErrors = new Counter({
    name: 'portcullis_cloud_errors_total',
    help: 'Cloud changes that failed after retries, per connector and cloud error code',
    labelNames: ['connector', 'code'] as const,
    registers: [this.registry],
  });
  private readonly passes = new Counter({
    name: 'portcullis_reconcile_passes_total',
    help: 'Reconcile passes per connector, by outcome',
    labelNames: ['connector', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly passDuration = new Histogram({
    name: 'portcullis_reconcile_pass_duration_seconds',
    help: "Reconcile pass duration per connector: from listing the target's rules to the pass committed",
    labelNames: ['connector'] as const,
    buckets: PASS_BUCKETS,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'portcullis_requests_refused_total',
    help: 'Calls refused at the edge or by guardrails and policies, by problem code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  private readonly sources: MetricsSources;

  constructor(sources: MetricsSources) {
    this.sources = sources;
    const { store } = sources;
    const self = this;
    new Gauge({
      name: 'portcullis_pending_approvals',
      help: 'Runs waiting for a second person (the backlog)',
      registers: [this.registry],
      async collect() {
        const { count } = await self.backlog();
        this.set(count);
      },
    });
    new Gauge({
      name: 'portcullis_pending_approval_oldest_age_seconds',
      help: 'Age of the oldest run waiting for approval (0 when none)',
      registers: [this.registry],
      async collect() {
        this.set((await self.backlog()).oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'portcullis_intents',
      help: 'Active intents (desired present) by kind and state',
      labelNames: ['kind', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const kind of ['deny', 'allow', 'quarantine'] as const) {
          const counts = { pending: 0, applied: 0, failed: 0, removed: 0 };
          for (const i of await store.activeIntents(kind)) counts[i.state]++;
          for (const [state, n] of Object.entries(counts)) this.set({ kind, state }, n);
        }
      },
    });
    new Gauge({
      name: 'portcullis_reconcile_queue_depth',
      help: 'Targets with intents waiting for a reconcile pass',
      registers: [this.registry],
      async collect() {
        this.set((await store.targetsWithPendingWork()).length);
      },
    });
    new Gauge({
      name: 'portcullis_target_capacity_used_ratio',
      help: "Share of a target's deny capacity the active blocks use (desired prefixes / the prefixes the owned band can hold)",
      labelNames: ['connector', 'target'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const u of await capacityUse(store, sources.connectors)) this.set({ connector: u.connector, target: u.target }, u.capacity > 0 ? u.used / u.capacity : 0);
      },
    });
    new Gauge({
      name: 'portcullis_audit_head_seq',
      help: 'Sequence number of the last audit event',
      registers: [this.registry],
      async collect() {
        this.set(await store.auditHeadSeq());
      },
    });
    new Gauge({
      name: 'portcullis_notifications',
      help: 'Outbound notifications by state (dead = dead letters)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries((await sources.notificationCounts?.()) ?? {})) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'portcullis_export_lag_events',
      help: 'Audit events not yet read by an export (notifier, SIEM sinks)',
      labelNames: ['export'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const head = await store.auditHeadSeq();
        for (const cursor of (await sources.exportCursors?.()) ?? []) this.set({ export: cursor.name }, Math.max(0, head - cursor.seq));
      },
    });
    new Gauge({
      name: 'portcullis_audit_last_checkpoint_age_seconds',
      help: 'Age of the last signed audit checkpoint (-1 when there is none)',
      registers: [this.registry],
      async collect() {
        const last = await store.latestAuditCheckpoint();
        this.set(last ? (sources.now() - Date.parse(last.time)) / 1000 : -1);
      },
    });
  }

  /** Feeds committed audit events (the store wrapper calls this after every commit). */
  observe(events: readonly AuditEvent[]) {
    for (const event of events) {
      for (const o of this.tracker.feed(event)) {
        if (o.kind === 'received') this.runs.inc({ playbook: o.playbook, action: o.action, approval: o.autoApproved ? 'auto' : 'manual' });
        else if (o.kind === 'approval') this.approvalWait.observe({ playbook: o.playbook, decision: o.decision }, o.seconds);
        else if (o.kind === 'target_applied') this.leadTarget.observe({ playbook: o.playbook, action: o.action, connector: o.connector }, o.seconds);
        else this.leadRun.observe({ playbook: o.playbook, action: o.action }, o.seconds);
      }
      const connector = event.target?.split('/')[0] ?? '';
      if (event.action === 'cloud.operation') {
        const detail = (event.detail ?? {}) as { calls?: { operation: string; attempts?: { outcome: string; code?: string; status?: number }[] }[]; error?: { code?: string } };
        for (const call of detail.calls ?? []) {
          for (const a of call.attempts ?? []) {
            this.cloudCalls.inc({ connector, operation: call.operation, outcome: a.outcome });
            if (a.outcome === 'retryable' && (a.status === 429 || THROTTLE.test(a.code ?? ''))) this.throttles.inc({ connector });
          }
        }
        if (event.outcome === 'failure') this.cloudErrors.inc({ connector, code: detail.error?.code ?? 'unknown' });
      } else if (event.action === 'reconcile.pass' && event.target) {
        this.passes.inc({ connector, outcome: event.outcome });
        const started = this.listStarted.get(event.target);
        if (started !== undefined) {
          this.passDuration.observe({ connector }, Math.max(0, Date.parse(event.time) - started) / 1000);
          this.listStarted.delete(event.target);
        }
      } else if (event.action === 'request.refused') {
        this.refusals.inc({ code: String((event.detail as { code?: unknown } | undefined)?.code ?? 'unknown') });
      }
    }
  }

  /** A connector's `list` starts a pass (the reconciler lists the target first). */
  listStarted_(target: string, at: number) {
    this.listStarted.set(target, at);
  }

  /** Runs waiting for approval now: how many, and the oldest's age. */
  async backlog(): Promise<{ count: number; oldestAgeSeconds: number; ages: number[] }> {
    const now = this.sources.now();
    const waiting = await this.sources.store.listRuns({ status: 'pending_approval', limit: 1000 });
    const ages = waiting.map((r) => (now - r.createdAt) / 1000).sort((a, b) => a - b);
    return { count: waiting.length, oldestAgeSeconds: ages[ages.length - 1] ?? 0, ages };
  }

  /** Every metric name this registry exports (histograms with their _bucket, _sum and _count series). */
  async exportedNames(): Promise<Set<string>> {
    const names = new Set<string>();
    for (const m of await this.registry.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
    }
    return names;
  }
}
