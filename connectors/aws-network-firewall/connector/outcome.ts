import type { ConnectorErrorInfo, RuleChange } from '../../../src/connectors/types.ts';
import type { CallRecord } from './calls.ts';

/** A change with its position in the caller's list, so results come back in the caller's order. */
export interface IndexedChange {
  index: number;
  change: RuleChange;
}

export interface ChangeOutcome {
  ok: boolean;
  calls: CallRecord[];
  error?: ConnectorErrorInfo;
  cloudId?: string;
}
