/**
 * What `portcullis validate` reports, as data: the shapes validate.ts fills and validate-outputs.ts
 * prints (a leaf module, so the two do not import each other).
 */
import type { AppReport } from '../apprepo/index.ts';
import type { PolicyDecision } from '../policy/index.ts';

export interface Problem {
  file: string;
  line?: number;
  path: string;
  message: string;
}

export interface RequestResult {
  file: string;
  decision?: PolicyDecision['decision'];
  reasons?: string[];
  policies?: PolicyDecision['policies'];
  sources?: PolicyDecision['sources'];
  problems?: Problem[];
}

export interface ValidateFlags {
  config?: string;
  request?: string[];
  app?: string[];
  client?: string;
  rules?: string;
  connector?: string;
  target?: string;
  format?: string;
  json?: string;
  sarif?: string;
  junit?: string;
  markdown?: string;
  help?: boolean;
}

export interface ValidateReport {
  exitCode: number;
  outcome: 'approve' | 'ok' | 'invalid' | 'needs_approval' | 'deny';
  config?: string;
  notes: string[];
  playbooks: { dir: string; count: number; problems: Problem[] };
  policies: { dir: string; count: number; problems: Problem[] };
  requests: RequestResult[];
  /** With --app: the application's rules and their decisions. */
  app?: AppReport;
}
