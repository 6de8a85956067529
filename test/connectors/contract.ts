import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorLimits, NormalizedRule, OperationResult, RuleChange } from '../../src/connectors/types.ts';
import type { DesiredRuleGroup, RuleMatch } from '../../src/reconcile/packing.ts';
import { canonicalCidrList } from '../../src/reconcile/packing-match.ts';
import { plan } from '../../src/reconcile/packing-plan.ts';
import { isOrderedPlacement } from '../../src/reconcile/packing-priority.ts';
import type { ConnectorHarness, HarnessInstance } from './harness.ts';

/**
 * The one connector contract suite (hono's common.case.test.ts pattern): every cloud runs it from a
 * 7-line `connectors/<cloud>/contract.test.ts`. It uses only the Connector interface and the simulator
 * controls, and desired state goes through the real packing and diff, as the reconciler does.
 */
export function runConnectorContract(harness: ConnectorHarness): void {
  describe(harness.name, () => {
    let h: HarnessInstance;
    /** Limits per placement, as the reconciler reads them. */
    const limits = (placement: NormalizedRule['placement']): ConnectorLimits => h.connector.limits(h.targetId, placement);

    beforeEach(async () => {
      h = await harness.setup();
    });
    afterEach(async () => {
      await h?.teardown();
    });

    const BLOCKED = '203.0.113.7/32';
    const BLOCKED_V6 = harness.ipv6Block ?? '2001:db8::7/128';
    const OPENED = '198.51.100.0/24';
    const denyMatch = (): RuleMatch => ({ direction: 'ingress', action: 'deny', protocol: 'all', ports: [], placement: h.placements.deny });
    const allowMatch = (): RuleMatch => ({
      direction: 'ingress',
      action: 'allow',
      protocol: 'tcp',
      ports: [{ from: 443, to: 443 }],
      placement: h.placements.allow,
    });
    const blockGroup = (...cidrs: string[]): DesiredRuleGroup => ({ match: denyMatch(), cidrs });
    const openGroup = (...cidrs: string[]): DesiredRuleGroup => ({ match: allowMatch(), cidrs });
    /** A connector that holds blocks only refuses allows (checked under validation); elsewhere opens are left out. */
    const allowsSupported = harness.allows !== 'refused';
    const opens = (...cidrs: string[]): DesiredRuleGroup[] => (allowsSupported ? [openGroup(...cidrs)] : []);

    const list = () => h.connector.list(h.targetId);
    const owned = async () => (await list()).filter((r) => r.owned);
    const holding = (rules: NormalizedRule[], cidr: string) => rules.filter((r) => canonicalCidrList(r.cidrs).includes(cidr));

    /** One reconcile pass: list, plan through packing and diff, apply. */
    async function converge(desired: DesiredRuleGroup[]) {
      const current = await list();
      const planned = plan(current, desired, limits);
      expect(planned.overflow, 'the contract scenarios fit any cloud’s limits').toEqual([]);
      const results = await h.connector.apply(h.targetId, planned.changes);
      return { current, changes: planned.changes, results };
    }
    const expectAllOk = (results: OperationResult[]) => {
      for (const r of results) expect(r.error, `${r.change.op} failed: ${r.error?.code} ${r.error?.message}`).toBeUndefined();
      expect(results.every((r) => r.ok)).toBe(true);
    };
    const attemptsOf = (results: OperationResult[]) => results.flatMap((r) => r.calls.flatMap((c) => c.attempts));

    /**
     * A rule a person made in the console: outside the service's band (some clouds mark ownership by band),
     * `slot` apart from other foreign rules (Azure refuses two rules with one priority and direction).
     */
    function foreignRule(match: RuleMatch, cidrs: string[], slot = 1): NormalizedRule {
      const { from, to } = limits(match.placement).priorityBand;
      // Azure priorities end at 4096; everything else here allows higher numbers.
      const priority = !isOrderedPlacement(match.placement) ? 0 : to + slot <= 4096 ? to + slot : from - slot;
      return { ...match, cidrs, priority, owned: false };
    }

    describe('listing', () => {
      it('lists rules it does not own as owned: false, with cloud ids', async () => {
        const match = allowsSupported ? allowMatch() : denyMatch();
        await h.sim.addForeignRule(h.resourceFor(match.placement), foreignRule(match, [OPENED]));
        const [rule] = holding(await list(), OPENED);
        expect(rule).toMatchObject({ owned: false, action: match.action, direction: 'ingress', placement: match.placement });
        expect(rule?.cloudId).toBeTruthy();
      });
    });

    describe('applying', () => {
      it('creates deny rules where blocks live and allow rules where opens live, listed as owned with cloud ids', async () => {
        const blocked = limits(h.placements.deny).supportsIpv6 ? [BLOCKED, BLOCKED_V6] : [BLOCKED];
        const { changes, results } = await converge([blockGroup(...blocked), ...opens(OPENED)]);
        expect(changes.every((c) => c.op === 'create')).toBe(true);
        expectAllOk(results);
        const rules = await owned();
        for (const cidr of blocked) {
          expect(holding(rules, cidr)).toMatchObject([{ action: 'deny', placement: h.placements.deny, owned: true }]);
        }
        if (allowsSupported) expect(holding(rules, OPENED)).toMatchObject([
          { action: 'allow', placement: h.placements.allow, protocol: 'tcp', ports: [{ from: 443, to: 443 }] },
        ]);
        for (const rule of rules) expect(rule.cloudId).toBeTruthy();
        // Each create reports the id the rule is then listed under.
        const listedIds = new Set(rules.map((r) => r.cloudId));
        for (const r of results) expect(listedIds.has(r.cloudId), `create reported cloudId ${r.cloudId}`).toBe(true);
      });

      it('re-applying the same desired state is a no-op: no changes, no writes', async () => {
        const desired = [blockGroup(BLOCKED), ...opens(OPENED)];
        expectAllOk((await converge(desired)).results);
        const writes = h.sim.writeCalls();
        const again = await converge(desired);
        expect(again.changes).toEqual([]);
        expect(h.sim.writeCalls()).toBe(writes);
      });

      it('growing a block list keeps the rules already in place', async () => {
        expectAllOk((await converge([blockGroup(BLOCKED)])).results);
        const [first] = holding(await owned(), BLOCKED);
        const { changes, results } = await converge([blockGroup(BLOCKED, '203.0.113.9/32')]);
        expectAllOk(results);
        expect(changes.filter((c) => c.op === 'delete')).toEqual([]);
        const rules = await owned();
        expect(holding(rules, BLOCKED).map((r) => r.cloudId)).toEqual([first?.cloudId]);
        expect(holding(rules, '203.0.113.9/32')).toHaveLength(1);
      });

      it('a duplicate create succeeds without a second rule', async () => {
        const { changes } = plan(await list(), [blockGroup(BLOCKED)], limits);
        expect(changes.map((c) => c.op)).toEqual(['create']);
        expectAllOk(await h.connector.apply(h.targetId, changes));
        expectAllOk(await h.connector.apply(h.targetId, changes));
        expect(holding(await owned(), BLOCKED)).toHaveLength(1);
      });

      it('deleting a rule that is already gone succeeds', async () => {
        expectAllOk((await converge([blockGroup(BLOCKED)])).results);
        const [rule] = holding(await owned(), BLOCKED);
        if (!rule?.cloudId) throw new Error('the created rule was not listed with a cloud id');
        const remove: RuleChange[] = [{ op: 'delete', rule }];
        expectAllOk(await h.connector.apply(h.targetId, remove));
        expect(holding(await list(), BLOCKED)).toEqual([]);
        expectAllOk(await h.connector.apply(h.targetId, remove));
        // Gone out of band before the service deletes it (drift): still a success.
        expectAllOk((await converge([blockGroup('203.0.113.9/32')])).results);
        const [other] = holding(await owned(), '203.0.113.9/32');
        await h.sim.deleteOutOfBand(h.resourceFor(other!.placement), other!.cloudId!);
        expectAllOk(await h.connector.apply(h.targetId, [{ op: 'delete', rule: other! }]));
        expect(await owned()).toEqual([]);
      });
    });

    describe('resilience', () => {
      it('retries throttling and reports every attempt', async () => {
        const { changes } = plan(await list(), [blockGroup(BLOCKED)], limits);
        h.sim.throttleNext(2);
        const results = await h.connector.apply(h.targetId, changes);
        expectAllOk(results);
        const attempts = attemptsOf(results);
        // Each throttled answer is one retryable attempt, then the write passes.
        expect(h.sim.throttledCalls()).toBe(2);
        expect(attempts.filter((a) => a.outcome === 'retryable').length).toBe(h.sim.throttledCalls());
        expect(attempts.at(-1)?.outcome).toBe('ok');
        // Backoff waited on the injected clock (once per retry), not in real time.
        expect(h.clock.sleeps.length).toBeGreaterThanOrEqual(2);
        expect(holding(await owned(), BLOCKED)).toHaveLength(1);
      });

      it('retries transient 5xx errors', async () => {
        const { changes } = plan(await list(), [blockGroup(BLOCKED)], limits);
        h.sim.failNext(2);
        const results = await h.connector.apply(h.targetId, changes);
        expectAllOk(results);
        const attempts = attemptsOf(results);
        expect(attempts.filter((a) => a.outcome === 'retryable')).toHaveLength(2);
        expect(attempts.at(-1)?.outcome).toBe('ok');
        expect(h.clock.sleeps.length).toBeGreaterThanOrEqual(2);
        expect(holding(await owned(), BLOCKED)).toHaveLength(1);
      });

      if (harness.longRunningOperations) {
        it('completes slow long-running operations, polling each on the injected clock', async () => {
          h.sim.slowOperations(3);
          const { changes, results } = await converge([blockGroup(BLOCKED), ...opens(OPENED)]);
          expectAllOk(results);
          expect(changes.length).toBeGreaterThan(0);
          // Three "still running" answers per write: at least three waits each before its operation is done.
          expect(h.clock.sleeps.length).toBeGreaterThanOrEqual(3 * changes.length);
          expect(holding(await owned(), BLOCKED)).toHaveLength(1);
          if (allowsSupported) expect(holding(await owned(), OPENED)).toHaveLength(1);
        });
      } else {
        it('has no long-running operations: writes are done when answered, slowOperations changes nothing', async () => {
          h.sim.slowOperations(3);
          expectAllOk((await converge([blockGroup(BLOCKED), ...opens(OPENED)])).results);
          expect(h.clock.sleeps).toEqual([]);
          expect(holding(await owned(), BLOCKED)).toHaveLength(1);
          if (allowsSupported) expect(holding(await owned(), OPENED)).toHaveLength(1);
        });
      }
    });

    describe('capacity and quota', () => {
      it('fails with the expected kind and a clear message, leaving nothing half-applied', async () => {
        const { changes, expectKind } = await h.capacityScenario();
        const before = await list();
        const results = await h.connector.apply(h.targetId, changes);
        const failed = results.filter((r) => !r.ok);
        expect(failed.length).toBeGreaterThan(0);
        for (const f of failed) {
          expect(f.error?.kind).toBe(expectKind);
          expect(f.error?.retryable).toBe(false);
          // A sentence for the operator, not just the cloud's code.
          expect(f.error?.message.length).toBeGreaterThan(20);
          expect(f.error?.message).not.toBe(f.error?.code);
        }
        const after = await list();
        const cidrsBefore = new Set(before.flatMap((r) => canonicalCidrList(r.cidrs)));
        for (const result of results) {
          const { change } = result;
          if (result.ok || change.op === 'create') {
            // A successful change is there; a failed create left none of its new prefixes behind.
            const fresh = canonicalCidrList(change.rule.cidrs).filter((c) => !cidrsBefore.has(c));
            for (const cidr of fresh) expect(holding(after, cidr).length > 0).toBe(result.ok && change.op !== 'delete');
          } else {
            // A failed update or delete left the rule exactly as it was.
            const was = change.op === 'update' ? change.before : change.rule;
            const now = after.find((r) => r.cloudId === was.cloudId);
            expect(now && canonicalCidrList(now.cidrs)).toEqual(canonicalCidrList(was.cidrs));
          }
        }
      });
    });

    if (harness.quarantine === 'refused') {
      describe('quarantine', () => {
        it('refuses quarantine and release clearly, with no cloud write', async () => {
          const writes = h.sim.writeCalls();
          for (const result of [await h.connector.quarantine(h.targetId, h.host), await h.connector.release(h.targetId, h.host, undefined)]) {
            expect(result.ok).toBe(false);
            expect(result.error).toMatchObject({ kind: 'validation', retryable: false });
            // Names what cannot be done and what to use instead.
            expect(result.error?.message).toMatch(/quarantine|isolate/i);
          }
          expect(h.sim.writeCalls()).toBe(writes);
        });
      });
    } else describe('quarantine', () => {
      const snapshot = () => JSON.parse(JSON.stringify(h.sim.hostState(h.host) ?? null)) as unknown;

      it('quarantine then release restores the host exactly; both are idempotent', async () => {
        const original = snapshot();
        const first = await h.connector.quarantine(h.targetId, h.host);
        expect(first.error).toBeUndefined();
        expect(first.ok).toBe(true);
        const isolated = snapshot();
        expect(isolated).not.toEqual(original);
        const second = await h.connector.quarantine(h.targetId, h.host);
        expect(second.ok).toBe(true);
        expect(snapshot()).toEqual(isolated);
        const released = await h.connector.release(h.targetId, h.host, first.previous);
        expect(released.error).toBeUndefined();
        expect(released.ok).toBe(true);
        expect(snapshot()).toEqual(original);
        expect((await h.connector.release(h.targetId, h.host, first.previous)).ok).toBe(true);
        expect(snapshot()).toEqual(original);
      });

      it('a repeated quarantine whose first answer was lost still releases to the original state', async () => {
        const original = snapshot();
        expect((await h.connector.quarantine(h.targetId, h.host)).ok).toBe(true);
        const retried = await h.connector.quarantine(h.targetId, h.host);
        expect(retried.ok).toBe(true);
        expect((await h.connector.release(h.targetId, h.host, retried.previous)).ok).toBe(true);
        expect(snapshot()).toEqual(original);
      });
    });

    describe('ownership', () => {
      it('never modifies or deletes a rule it does not own, even one blocking the same address', async () => {
        // The foreign allow overlaps ours without equalling it: EC2 refuses two identical SG permissions.
        const OPENED_HALF = '198.51.100.128/25';
        await h.sim.addForeignRule(h.resourceFor(h.placements.deny), foreignRule(denyMatch(), [BLOCKED]));
        if (allowsSupported) await h.sim.addForeignRule(h.resourceFor(h.placements.allow), foreignRule(allowMatch(), [OPENED_HALF], 2));
        const foreignBefore = (await list()).filter((r) => !r.owned);
        expect(holding(foreignBefore, BLOCKED)).toHaveLength(1);
        expect(holding(foreignBefore, OPENED_HALF)).toHaveLength(allowsSupported ? 1 : 0);
        const foreignIds = new Set(foreignBefore.map((r) => r.cloudId));
        const touched = (changes: RuleChange[]) =>
          changes.flatMap((c) => (c.op === 'update' ? [c.before, c.rule] : [c.rule])).filter((r) => foreignIds.has(r.cloudId));

        const block = await converge([blockGroup(BLOCKED, '203.0.113.9/32'), ...opens(OPENED)]);
        expectAllOk(block.results);
        expect(touched(block.changes)).toEqual([]);
        expect(holding(await owned(), BLOCKED)).toHaveLength(1);

        const shrink = await converge([blockGroup('203.0.113.9/32')]);
        expectAllOk(shrink.results);
        const unblock = await converge([]);
        expectAllOk(unblock.results);
        expect(touched([...shrink.changes, ...unblock.changes])).toEqual([]);
        expect(await owned()).toEqual([]);
        const foreignAfter = (await list()).filter((r) => !r.owned);
        for (const rule of foreignBefore) expect(foreignAfter.find((r) => r.cloudId === rule.cloudId)).toEqual(rule);
      });
    });

    describe('validation', () => {
      it('refuses a bad CIDR, an out-of-range port and an out-of-band priority before any call', async () => {
        const writes = h.sim.writeCalls();
        const band = limits(h.placements.deny).priorityBand;
        const allowPriority = isOrderedPlacement(h.placements.allow) ? limits(h.placements.allow).priorityBand.to : 0;
        const deny: NormalizedRule = { ...denyMatch(), cidrs: [BLOCKED], priority: band.from, owned: true };
        const allow: NormalizedRule = { ...allowMatch(), cidrs: [OPENED], priority: allowPriority, owned: true };
        expect(h.connector.validate(h.targetId, deny)).toEqual([]);
        if (allowsSupported) expect(h.connector.validate(h.targetId, allow)).toEqual([]);
        // A blocks-only connector refuses every allow, saying so.
        else expect(h.connector.validate(h.targetId, allow).join(' ')).toMatch(/allow/i);
        const problems = [
          h.connector.validate(h.targetId, { ...deny, cidrs: ['203.0.113.300/32'] }),
          h.connector.validate(h.targetId, { ...deny, cidrs: ['not-an-ip'] }),
          h.connector.validate(h.targetId, { ...allow, ports: [{ from: 443, to: 70000 }] }),
          h.connector.validate(h.targetId, { ...deny, priority: band.to + 1 }),
          h.connector.validate(h.targetId, { ...deny, priority: band.from - 1 }),
        ];
        for (const found of problems) {
          expect(found.length).toBeGreaterThan(0);
          for (const message of found) expect(message.length).toBeGreaterThan(10);
        }
        expect(h.sim.writeCalls()).toBe(writes);
      });
    });
  });
}
