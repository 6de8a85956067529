/** The adoption step of a pass: which rules get marked, and what happens to intents when a rule cannot be. */
import { describe, expect, it } from 'vitest';
import type { Connector, NormalizedRule, OperationResult } from '../connectors/types.ts';
import type { Intent } from '../runs/types.ts';
import { adoptForeignRules } from './adopt.ts';

const rule = (cloudId: string, owned = false): NormalizedRule => ({
  direction: 'ingress',
  action: 'allow',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  cidrs: ['0.0.0.0/0'],
  priority: 900,
  placement: 'firewall',
  cloudId,
  owned,
});
const intent = (id: string, adopt: string, over: Partial<Intent> = {}): Intent => ({
  id,
  runId: 'run_1',
  kind: 'allow',
  connectorId: 'c',
  targetId: 't',
  matchKey: id,
  spec: { direction: 'ingress', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidr: '0.0.0.0/0', adopt },
  desired: 'present',
  state: 'pending',
  offenses: 1,
  createdAt: 0,
  updatedAt: 0,
  ...over,
});

/** A connector over a fixed listing whose adopt answers as told (only what the step calls). */
function connectorWith(rules: NormalizedRule[], answer: (r: NormalizedRule) => Partial<OperationResult>) {
  const adopted: string[] = [];
  const connector = {
    list: async () => rules,
    adopt: async (_t: string, r: NormalizedRule) => {
      adopted.push(r.cloudId ?? '');
      return { change: { op: 'update', before: r, rule: r }, ok: true, calls: [{ operation: 'update', attempts: [] }], ...answer(r) } as OperationResult;
    },
  } as unknown as Connector;
  return { connector, adopted };
}

describe('adoptForeignRules', () => {
  it('marks each foreign rule once (its intents together), skips rules already owned and intents already applied', async () => {
    const { connector, adopted } = connectorWith([rule('legacy'), rule('mine', true)], () => ({}));
    const out = await adoptForeignRules(connector, 't', [intent('a', 'legacy'), intent('b', 'legacy'), intent('c', 'mine'), intent('d', 'old', { state: 'applied' })], 'c/t', 5);
    expect(adopted).toEqual(['legacy']);
    expect(out.held.size).toBe(0);
    expect(out.audit).toMatchObject([{ action: 'rule.adopted', outcome: 'success', runId: 'run_1', detail: { intents: 2 } }]);
  });

  it('a rule gone or refused: its intents sit the pass out and fail with the reason (retryable as the cloud said)', async () => {
    const { connector } = connectorWith([rule('refused')], () => ({ ok: false, error: { kind: 'validation', code: 'NOT_ADOPTABLE', message: 'it applies only to target tags web', retryable: false } }));
    const out = await adoptForeignRules(connector, 't', [intent('a', 'gone'), intent('b', 'refused')], 'c/t', 5);
    expect([...out.held].sort()).toEqual(['a', 'b']);
    expect(out.work.intentOutcomes).toEqual([
      { id: 'a', state: 'failed', error: 'rule gone to adopt is no longer on c/t', retryable: false, at: 5 },
      { id: 'b', state: 'failed', error: 'adopting refused failed: NOT_ADOPTABLE: it applies only to target tags web', retryable: false, at: 5 },
    ]);
    expect(out.audit).toMatchObject([{ action: 'rule.adopted', outcome: 'failure', detail: { error: { code: 'NOT_ADOPTABLE' } } }]);
  });
});
