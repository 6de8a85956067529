import { it } from 'vitest';
import { plan } from '/work/main/src/reconcile/packing-plan.ts';
import { applyChangesInMemory } from '/work/main/src/reconcile/diff-apply.ts';
const match = { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], placement: 'firewall' } as const;
it('bench', () => {
  const cidrs = Array.from({ length: 5000 }, (_, i) => `198.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}/32`);
  for (const [name, limits] of [
    ['gcp', { supportsDeny: true, supportsIpv6: true, maxRulesPerDirection: 20, maxPrefixesPerRule: 256, maxPrefixesPerTarget: Infinity, priorityBand: { from: 1000, to: 1999 }, mixesAddressFamilies: false }],
    ['azure', { supportsDeny: true, supportsIpv6: true, maxRulesPerDirection: 100, maxPrefixesPerRule: 4000, maxPrefixesPerTarget: 4000, priorityBand: { from: 100, to: 999 }, mixesAddressFamilies: true }],
  ] as const) {
    let t = performance.now();
    const p1 = plan([], [{ match, cidrs }], limits);
    const after = applyChangesInMemory([], p1.changes, (_r, i) => `r${i}`);
    const t1 = performance.now() - t;
    t = performance.now();
    const p2 = plan(after, [{ match, cidrs: [...cidrs, '203.0.113.1/32'] }], limits);
    console.log(name, 'first', Math.round(t1), 'ms', p1.changes.length, 'changes', p1.overflow.map(o=>[o.reason,o.cidrs.length]), 'second', Math.round(performance.now() - t), 'ms', p2.changes.length);
  }
});
