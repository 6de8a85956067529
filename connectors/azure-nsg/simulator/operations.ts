import type { AzureState, NsgRecord, RuleRecord } from './state.ts';

export interface OperationError {
  code: string;
  message: string;
}

/** One long-running write on an NSG: a rule PUT or DELETE, ended by polls (or, failing that, by time). */
export interface Operation {
  id: string;
  nsg: NsgRecord;
  kind: 'put' | 'delete';
  ruleName: string;
  /** The rule before the write, restored when the operation fails. */
  before?: RuleRecord;
  pollsBeforeDone: number;
  polls: number;
  /** Operations nobody polls still end, as real ones do (the sandbox may abandon a poll). */
  endsAt: number;
  failure?: OperationError;
  status: 'InProgress' | 'Succeeded' | 'Failed';
}

export class OperationTracker {
  private readonly operations = new Map<string, Operation>();
  private nextFailure: OperationError | undefined;

  private readonly state: AzureState;
  private readonly clock: { now(): number };
  private readonly retryAfterMs: () => number;
  constructor(
    state: AzureState,
    clock: { now(): number },
    retryAfterMs: () => number,
  ) {
    this.state = state;
    this.clock = clock;
    this.retryAfterMs = retryAfterMs;
  }

  /** The next operation started ends Failed with this error (after its in-progress polls). */
  failNextOperation(error: OperationError): void {
    this.nextFailure = error;
  }

  start(nsg: NsgRecord, kind: Operation['kind'], ruleName: string, before: RuleRecord | undefined, pollsBeforeDone: number): Operation {
    const operation: Operation = {
      id: crypto.randomUUID(),
      nsg,
      kind,
      ruleName,
      ...(before ? { before } : {}),
      pollsBeforeDone,
      polls: 0,
      endsAt: this.clock.now() + (pollsBeforeDone + 1) * Math.max(this.retryAfterMs(), 1000),
      status: 'InProgress',
      ...(this.nextFailure ? { failure: this.nextFailure } : {}),
    };
    this.nextFailure = undefined;
    this.operations.set(operation.id, operation);
    nsg.busyWith = operation.id;
    return operation;
  }

  get(id: string): Operation | undefined {
    const operation = this.operations.get(id);
    if (operation) this.settleByTime(operation);
    return operation;
  }

  /** Answers one status poll: counts it, and ends the operation once its in-progress polls are used. */
  poll(operation: Operation): Operation['status'] {
    if (operation.status !== 'InProgress') return operation.status;
    operation.polls++;
    if (operation.polls > operation.pollsBeforeDone) this.finish(operation);
    return operation.status;
  }

  /** The operation holding the NSG, after ending any that ran out of time. */
  busy(nsg: NsgRecord): Operation | undefined {
    const id = nsg.busyWith;
    if (!id) return undefined;
    const operation = this.get(id);
    return operation?.status === 'InProgress' ? operation : undefined;
  }

  private settleByTime(operation: Operation): void {
    if (operation.status === 'InProgress' && this.clock.now() >= operation.endsAt) this.finish(operation);
  }

  private finish(operation: Operation): void {
    const { nsg, ruleName } = operation;
    const current = this.state.rule(nsg, ruleName);
    if (operation.failure) {
      operation.status = 'Failed';
      if (operation.kind === 'put' && !operation.before) this.state.removeRule(nsg, ruleName);
      else if (operation.before) this.state.setRule(nsg, { ...operation.before, provisioningState: 'Succeeded' });
    } else {
      operation.status = 'Succeeded';
      if (operation.kind === 'delete') this.state.removeRule(nsg, ruleName);
      else if (current) current.provisioningState = 'Succeeded';
    }
    if (nsg.busyWith === operation.id) nsg.busyWith = undefined;
  }
}
