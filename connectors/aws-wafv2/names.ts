import type { IpFamily } from '../../src/net/ip.ts';

/**
 * Names and markers of what the connector owns. An IP set is the service's when its name is
 * `<marker>-<target>-v4-<slot>` (or v6) AND its Description starts with `<marker> owned`: a set that
 * only has the name is someone else's and is never touched (check() reports it). Slots are the
 * NormalizedRule priority: one number per set on the target, whatever its address version.
 */
export interface OwnedName {
  family: IpFamily;
  slot: number;
}

export function ipSetName(marker: string, target: string, family: IpFamily, slot: number): string {
  return `${marker}-${target}-${family === 'ipv4' ? 'v4' : 'v6'}-${slot}`;
}

export function parseIpSetName(marker: string, target: string, name: string): OwnedName | undefined {
  const match = new RegExp(`^${marker}-${target}-v([46])-([1-9]\\d{0,2})$`).exec(name);
  if (!match) return undefined;
  return { family: match[1] === '4' ? 'ipv4' : 'ipv6', slot: Number(match[2]) };
}

/** The Description written on every owned set (WAF allows letters, digits, spaces and + = : # @ / - , .). */
export function ownerDescription(marker: string, connectorId: string, target: string): string {
  return `${marker} owned: connector ${connectorId} target ${target}`;
}

export function hasOwnerDescription(marker: string, description: string | undefined): boolean {
  return description?.startsWith(`${marker} owned`) ?? false;
}

/** Tags on every owned set: for people, cost reports and tag-based IAM conditions; check() verifies them. */
export function ownerTags(marker: string, connectorId: string, target: string) {
  return [
    { Key: `${marker}:owner`, Value: connectorId },
    { Key: `${marker}:target`, Value: target },
  ];
}

/** The one rule the connector keeps in the operator's web ACL, referencing every set it owns there. */
export function blockRuleName(marker: string, target: string): string {
  return `${marker}-${target}-blocks`;
}

/** Name and Id from an IP set ARN (arn:aws:wafv2:<region>:<account>:<regional|global>/ipset/<name>/<id>). */
export function ipSetRefOf(arn: string): { name: string; id: string } | undefined {
  const match = /:(?:regional|global)\/ipset\/([\w-]+)\/([\w-]+)$/.exec(arn);
  return match ? { name: match[1] ?? '', id: match[2] ?? '' } : undefined;
}
