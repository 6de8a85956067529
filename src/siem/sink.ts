import type { AuditEvent } from '../audit/types.ts';

/** Where a batch of audit events goes; `send` resolves only once the sink has taken the whole batch. */
export interface Sink {
  id: string;
  send(events: AuditEvent[]): Promise<void>;
  close(): Promise<void>;
}
