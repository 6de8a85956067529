/**
 * Item writes are asynchronous bulk operations: POST (append), PUT (replace all) and DELETE answer an
 * `operation_id`, polled at GET /accounts/{account_id}/rules/lists/bulk_operations/{operation_id}
 * until `completed` or `failed` (pending → running → completed).
 */

import { type ConnectorContext, ConnectorError, type ConnectorErrorInfo } from '../../src/connectors/types.ts';
import type { CallRecord, CloudflareApi } from './api.ts';

export interface BulkSettings {
  accountId: string;
  pollIntervalMs: number;
  maxPolls: number;
  clock: ConnectorContext['clock'];
}

interface BulkStatus {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  error?: string;
  completed?: string;
}

const OPERATIONS = { POST: 'lists-create-list-items', PUT: 'lists-update-all-list-items', DELETE: 'lists-delete-list-items' } as const;

/** Sends one item write and waits for its bulk operation. Resolves with the error when it did not complete. */
export async function runBulk(
  api: CloudflareApi,
  settings: BulkSettings,
  listId: string,
  method: keyof typeof OPERATIONS,
  body: unknown,
  calls: CallRecord[],
): Promise<ConnectorErrorInfo | undefined> {
  const started = await api.call<{ operation_id: string }>(OPERATIONS[method], method, `/accounts/${settings.accountId}/rules/lists/${listId}/items`, body);
  calls.push(started.record);
  if (!started.ok) return started.error.info;
  const operationId = started.value.result.operation_id;
  const polls: CallRecord = { operation: 'lists-get-bulk-operation-status', attempts: [] };
  calls.push(polls);
  for (let poll = 1; poll <= settings.maxPolls; poll++) {
    if (poll > 1) await settings.clock.sleep(settings.pollIntervalMs);
    const outcome = await api.call<BulkStatus>(
      'lists-get-bulk-operation-status',
      'GET',
      `/accounts/${settings.accountId}/rules/lists/bulk_operations/${operationId}`,
    );
    // One record for the whole wait, each poll's attempts numbered in order.
    for (const a of outcome.record.attempts) polls.attempts.push({ ...a, attempt: polls.attempts.length + 1 });
    if (outcome.record.requestId) polls.requestId = outcome.record.requestId;
    if (!outcome.ok) return outcome.error.info;
    const { status, error } = outcome.value.result;
    if (status === 'completed') return undefined;
    if (status === 'failed') return failedOperation(operationId, error);
  }
  return new ConnectorError({
    kind: 'pending',
    code: 'BulkOperationPending',
    message: `bulk operation ${operationId} was still running after ${settings.maxPolls} polls; the next pass reads the list again`,
    retryable: true,
  }).info;
}

/** A failed operation changed nothing; the list's item limit is a quota, anything else is reported as it came. */
function failedOperation(operationId: string, error: string | undefined): ConnectorErrorInfo {
  const text = error ?? 'no reason given';
  const quota = /maximum|limit|exceed/i.test(text);
  return {
    kind: quota ? 'quota' : 'unknown',
    code: quota ? 'ListItemLimitExceeded' : 'BulkOperationFailed',
    message: quota
      ? `Cloudflare refused the items: ${text} (bulk operation ${operationId}). The account's item limit counts every custom list; unblock addresses or raise the plan`
      : `Cloudflare bulk operation ${operationId} failed: ${text}`,
    retryable: false,
  };
}
