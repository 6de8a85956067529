/**
 * Operations: every mutation answers with one. It reports PENDING, then RUNNING for `slowPolls` polls,
 * then DONE (with `error` when the mutation failed). The state change itself is made when the request
 * is accepted; the Operation only reports on it (reads during a slow operation already see the change).
 */

import { randomBytes } from 'node:crypto';
import { LINK_BASE, notFound, SimulatedApiError } from './envelope.ts';
import type { Operation, OperationRecord, ProjectState, SimState } from './state.ts';

const ZERO_UUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface NewOperation {
  operationType: string;
  targetLink: string;
  targetId?: string;
  zone?: string;
  requestId?: string;
  failure?: OperationRecord['failure'];
}

export function checkRequestId(requestId: string | null): void {
  if (requestId === null) return;
  if (!UUID.test(requestId) || ZERO_UUID.test(requestId)) {
    throw new SimulatedApiError({
      status: 400,
      reason: 'invalid',
      message: `Invalid value for field 'requestId': '${requestId}'. The request ID must be a valid UUID with the exception that zero UUID is not supported.`,
    });
  }
}

/** The operation an earlier request with this requestId created, if any (no second mutation then). */
export function operationForRequestId(project: ProjectState, scope: string, requestId: string | null): Operation | undefined {
  if (!requestId) return undefined;
  const name = project.requestIds.get(`${scope}/${requestId}`);
  return name ? project.operations.get(name)?.operation : undefined;
}

export function createOperation(state: SimState, project: ProjectState, slowPolls: number, spec: NewOperation): Operation {
  const name = `operation-${state.clock.now()}-${randomBytes(6).toString('hex')}-${randomBytes(4).toString('hex')}`;
  const scopePath = spec.zone ? `projects/${project.id}/zones/${spec.zone}` : `projects/${project.id}/global`;
  const now = state.timestamp();
  const operation: Operation = {
    kind: 'compute#operation',
    id: state.newId(),
    name,
    operationType: spec.operationType,
    targetLink: spec.targetLink,
    ...(spec.targetId ? { targetId: spec.targetId } : {}),
    status: 'PENDING',
    user: 'portcullis@portcullis-sandbox.iam.gserviceaccount.com',
    progress: 0,
    insertTime: now,
    startTime: now,
    selfLink: `${LINK_BASE}/${scopePath}/operations/${name}`,
    ...(spec.zone ? { zone: `${LINK_BASE}/projects/${project.id}/zones/${spec.zone}` } : {}),
    ...(spec.requestId ? { clientOperationId: spec.requestId } : {}),
  };
  const record: OperationRecord = { operation, pollsLeft: slowPolls };
  if (spec.failure) record.failure = spec.failure;
  project.operations.set(name, record);
  if (spec.requestId) project.requestIds.set(`${spec.zone ?? 'global'}/${spec.requestId}`, name);
  return structuredClone(operation);
}

/** One poll (get or wait): in progress while polls are left, then DONE. */
export function pollOperation(state: SimState, project: ProjectState, name: string, zone?: string): Operation {
  const record = project.operations.get(name);
  const zoneOk = record && (zone ? record.operation.zone?.endsWith(`/zones/${zone}`) : !record.operation.zone);
  if (!record || !zoneOk) {
    throw notFound(`projects/${project.id}/${zone ? `zones/${zone}` : 'global'}/operations/${name}`);
  }
  const op = record.operation;
  if (op.status !== 'DONE') {
    if (record.pollsLeft > 0) {
      record.pollsLeft -= 1;
      op.status = 'RUNNING';
      op.progress = Math.min(90, (op.progress ?? 0) + 30);
    } else {
      finish(state, record);
    }
  }
  return structuredClone(op);
}

function finish(state: SimState, record: OperationRecord): void {
  const op = record.operation;
  op.status = 'DONE';
  op.progress = 100;
  op.endTime = state.timestamp();
  if (record.failure) {
    op.error = { errors: [{ code: record.failure.code, message: record.failure.message }] };
    op.httpErrorStatusCode = record.failure.httpStatus;
    op.httpErrorMessage = httpMessage(record.failure.httpStatus);
  }
}

function httpMessage(status: number): string {
  const messages: Record<number, string> = {
    400: 'BAD REQUEST',
    403: 'FORBIDDEN',
    404: 'NOT FOUND',
    409: 'CONFLICT',
    500: 'INTERNAL SERVER ERROR',
    503: 'SERVICE UNAVAILABLE',
  };
  return messages[status] ?? 'ERROR';
}
