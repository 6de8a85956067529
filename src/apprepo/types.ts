import type { PortRange } from '../connectors/types.ts';

/** The file kinds `portcullis validate --app` reads. */
export type SourceKind = 'istio' | 'networkpolicy' | 'terraform';

/** Where a rule came from: the file, its 1-based line, and a readable name (document/resource and rule path). */
export interface SourceLocation {
  file: string;
  line: number;
  /** 1-based column, where it helps (a plan JSON is one long line). */
  column?: number;
  /** e.g. `AuthorizationPolicy production/ai-app-ingress-policy rules[0]` or `aws_security_group_rule.allow_all`. */
  name: string;
}

/**
 * Something in the application's repo that names a workload or network instead of an address: an Istio
 * principal, a namespace, pods by labels, an AWS security group, a Terraform resource address, an Azure
 * NSG or ASG, a GCP network tag or service account. The config's `identities` map them to tiers.
 */
export type IdentityRef =
  | { kind: 'principal'; value: string }
  | { kind: 'namespace'; value: string }
  | { kind: 'pods'; namespace?: string; labels: Record<string, string>; namespaceLabels?: Record<string, string> }
  /** An AWS security group or an Azure NSG: by its cloud id/name, or by its Terraform address when that is unknown until apply. */
  | { kind: 'securityGroup' | 'nsg'; value?: string; address?: string }
  | { kind: 'networkTag' | 'serviceAccount' | 'network'; value: string };

/** One side of a rule: an address block, or an identity the config may map to a tier. */
export type Endpoint = { cidr: string; line?: number } | { identity: IdentityRef; line?: number };

/**
 * One connectivity rule read from an application's file, before any mapping or decision: what the file
 * asks the network to allow (or stop allowing), with everything that a firewall cannot express kept as
 * findings instead of being dropped.
 */
export interface AppRule {
  kind: SourceKind;
  at: SourceLocation;
  /** allow: open access; revoke: take it away (a Terraform delete, an Istio DENY). */
  action: 'allow' | 'revoke';
  direction: 'ingress' | 'egress';
  /** The workload the rule protects (ingress: destination; egress: the source of the traffic). */
  target: IdentityRef | undefined;
  /** The remote side: sources for ingress, destinations for egress. Empty with `anywhere` true means every address. */
  peers: Endpoint[];
  anywhere: boolean;
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  /** Empty means every port. */
  ports: PortRange[];
  /** Fields a network firewall cannot enforce (HTTP methods, paths, hosts, JWT principals, conditions). */
  notEnforceable: Finding[];
  /** Values Terraform only knows after apply. */
  unknown: Finding[];
  /** Anything else that keeps the rule from being decided automatically (named ports, except lists, negations). */
  blockers: Finding[];
}

export interface Finding {
  message: string;
  line?: number;
}

/** A file, document or value that could not be read: where, and what was expected. */
export interface ReadProblem {
  file: string;
  line?: number;
  path: string;
  message: string;
}

/** What reading one file gives: the rules found, notes (documents with nothing to decide), and problems. */
export interface ReadResult {
  file: string;
  kind?: SourceKind;
  rules: AppRule[];
  notes: Finding[];
  problems: ReadProblem[];
}
