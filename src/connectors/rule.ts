/**
 * The cloud-neutral firewall rule: the vocabulary the connector contract (types.ts), the simulators
 * (simulator.ts) and the reconciler share. A leaf module; types.ts re-exports it.
 */

export type Direction = 'ingress' | 'egress';
export type RuleAction = 'allow' | 'deny';
/** `all` means every protocol (AWS "-1", Azure "*", GCP "all"). */
export type Protocol = 'tcp' | 'udp' | 'icmp' | 'all';

export interface PortRange {
  from: number;
  to: number;
}

/**
 * A firewall rule in cloud-neutral form.
 * `cidrs` is the remote side: sources for ingress, destinations for egress. Canonical CIDR strings
 * (network address, explicit prefix length: "203.0.113.7/32", "2001:db8::/64").
 */
export interface NormalizedRule {
  direction: Direction;
  action: RuleAction;
  protocol: Protocol;
  /** Empty means all ports (or not applicable to the protocol). */
  ports: PortRange[];
  cidrs: string[];
  /** NACL rule number, Azure priority or GCP priority. AWS security group rules are unordered: 0. */
  priority: number;
  /**
   * Where the rule lives inside the target when a target has several places:
   * AWS: "nacl" (network ACL entries) or "sg" (security group rules). Azure and GCP: "nsg" / "firewall".
   * AWS Network Firewall: "nfw" (stateless rules of a rule group the service owns).
   * Cloudflare: "cf-list" (items of an account IP list that a WAF custom rule blocks).
   * AWS WAF: "wafv2" (one IP set of a web ACL; the priority is the set's slot).
   */
  placement: 'nacl' | 'sg' | 'nsg' | 'firewall' | 'nfw' | 'cf-list' | 'wafv2';
  /** For allows from a tier (AWS security group reference, GCP source tag, Azure ASG) instead of CIDRs. */
  sourceGroup?: string;
  /** Cloud identifier when read from the cloud: NACL "ingress:110", SG rule id, Azure rule name, GCP firewall name. */
  cloudId?: string;
  /** True when the rule carries this service's ownership marker. Only owned rules are ever changed. */
  owned: boolean;
  /** The intents this rule serves (set by the reconciler; connectors may carry them where the cloud has room). */
  intentIds?: string[];
  /** Free text the cloud keeps beside the rule (description); includes the ownership marker when owned. */
  description?: string;
  /**
   * A rule the cloud itself keeps, which nobody can change or delete (AWS's default NACL entries
   * 32767/32768). Analysis counts it as coverage but reports nothing about it: nothing is actionable.
   */
  builtIn?: boolean;
}
