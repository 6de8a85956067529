import type { CheckResult } from '../../src/connectors/types.ts';
import type { AzureNsgTarget } from './config.ts';
import { CapacityLedger } from './capacity.ts';
import { isOwnedName } from './names.ts';
import type { NsgApi } from './nsg-api.ts';

/**
 * Cheap reads only: ARM has no dry-run for writes, so write permission is not proven here (the
 * README's role grants it); reading the NSG proves the credential, the subscription and the NSG.
 */
export async function checkTarget(api: NsgApi, target: AzureNsgTarget, namePrefix: string): Promise<CheckResult> {
  const checks: CheckResult['checks'] = [];
  const nsg = await api.getNsg();
  if (!nsg.outcome.ok) {
    const { kind, code, message } = nsg.outcome.error;
    checks.push({ name: 'nsg.read', ok: false, detail: `${kind} ${code}: ${message}` });
    return { ok: false, checks };
  }
  const rules = nsg.outcome.value.securityRules ?? [];
  checks.push({
    name: 'nsg.read',
    ok: true,
    detail: `NSG ${target.nsgName} in ${target.resourceGroup}: ${rules.length} security rules, provisioningState ${nsg.outcome.value.provisioningState ?? 'unknown'}`,
  });
  const headroom = new CapacityLedger(target.nsgName, rules).refusal('\u0000capacity-probe', { sourceAddressPrefix: '*' });
  checks.push({ name: 'nsg.capacity', ok: headroom === undefined, ...(headroom ? { detail: headroom } : {}) });

  const { from, to } = target.priorityBand;
  const squatters = rules.filter(
    (r) => !isOwnedName(r.name ?? '', namePrefix) && (r.priority ?? 0) >= from && (r.priority ?? 0) <= to,
  );
  checks.push({
    name: 'band.free',
    ok: squatters.length === 0,
    detail:
      squatters.length === 0
        ? `priorities ${from}..${to} hold no foreign rules`
        : `foreign rules inside the band ${from}..${to}: ${squatters.map((r) => `${r.name}@${r.priority}`).join(', ')}`,
  });
  const nics = await api.listNics();
  checks.push({
    name: 'networkInterfaces.read',
    ok: nics.outcome.ok,
    detail: nics.outcome.ok
      ? `${nics.outcome.value.length} network interfaces readable in ${target.resourceGroup} (quarantine needs them)`
      : `${nics.outcome.error.code}: ${nics.outcome.error.message}`,
  });
  return { ok: checks.every((c) => c.ok), checks };
}
