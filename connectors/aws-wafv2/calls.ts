import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { withRetry } from '../../src/connectors/retry.ts';
import { type AttemptRecord, ConnectorError, type ConnectorContext, type ConnectorErrorInfo } from '../../src/connectors/types.ts';
import { classifyWafError } from './classify.ts';
import type { AwsWafv2Config } from './config.ts';

export interface CallRecord {
  operation: string;
  requestId?: string;
  attempts: AttemptRecord[];
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: ConnectorErrorInfo };

/** Static keys the simulator accepts; the config schema keeps them away from real endpoints. */
const SIMULATOR_CREDENTIALS = { accessKeyId: 'AKIAPORTCULLISSIM000', secretAccessKey: 'simulator-secret-not-a-real-key' };

/**
 * WAF allows about one call per second to each Create/Update action per account and Region: writes of
 * one action are spaced by this much, so a pass does not spend its attempts on ThrottlingException.
 */
export const WRITE_SPACING_MS = 1000;

export function createWafClient(config: AwsWafv2Config, ctx: ConnectorContext): WAFV2Client {
  const { credentials } = config;
  return new WAFV2Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Retries are ours (withRetry), so every attempt is recorded and the one policy applies.
    maxAttempts: 1,
    ...('source' in credentials
      ? credentials.source === 'simulator'
        ? { credentials: SIMULATOR_CREDENTIALS }
        : {}
      : {
          credentials: async () => ({
            accessKeyId: ctx.resolveSecret(credentials.accessKeyId),
            secretAccessKey: ctx.resolveSecret(credentials.secretAccessKey),
            ...(credentials.sessionToken ? { sessionToken: ctx.resolveSecret(credentials.sessionToken) } : {}),
          }),
        }),
  });
}

/**
 * Every WAF call goes through the shared retry policy and is recorded (operation, request id,
 * attempts). `attempt` may do several SDK calls (a read and the write it depends on): a LockToken
 * conflict is then retried from the read, with a fresh token.
 */
export class WafCalls {
  readonly client: WAFV2Client;
  private readonly ctx: ConnectorContext;
  /** Per write action, the earliest time the next call may go out. */
  private readonly nextWrite = new Map<string, number>();
  constructor(client: WAFV2Client, ctx: ConnectorContext) {
    this.client = client;
    this.ctx = ctx;
  }

  /**
   * Waits (on the injected clock) until `action` may be written again without being throttled. The
   * slot is reserved before waiting, so passes of several targets running at once queue up a second
   * apart instead of all waking together.
   */
  async paceWrite(action: string): Promise<void> {
    const now = this.ctx.clock.now();
    const slot = Math.max(now, this.nextWrite.get(action) ?? now);
    this.nextWrite.set(action, slot + WRITE_SPACING_MS);
    if (slot > now) await this.ctx.clock.sleep(slot - now);
  }

  async run<T>(operation: string, attempt: (client: WAFV2Client) => Promise<{ value: T; requestId?: string }>, log: CallRecord[]): Promise<CallResult<T>> {
    const { clock, retry } = this.ctx;
    const outcome = await withRetry(operation, () => attempt(this.client), { clock, retry }, classifyWafError);
    const requestId = outcome.attempts.findLast((a) => a.requestId)?.requestId;
    log.push({ operation, ...(requestId ? { requestId } : {}), attempts: outcome.attempts });
    if (!outcome.ok) {
      this.ctx.log.warn({ operation, code: outcome.error.code, kind: outcome.error.kind, requestId }, 'AWS WAF call failed');
      return { ok: false, error: outcome.error };
    }
    return { ok: true, value: outcome.value };
  }

  /** One SDK call, through `run`. */
  async send<T extends { $metadata: { requestId?: string } }>(operation: string, send: (client: WAFV2Client) => Promise<T>, log: CallRecord[]): Promise<CallResult<T>> {
    return this.run(
      operation,
      async (client) => {
        if (/^(Create|Update|Delete|Tag)/.test(operation)) await this.paceWrite(operation);
        const value = await send(client);
        return value.$metadata.requestId ? { value, requestId: value.$metadata.requestId } : { value };
      },
      log,
    );
  }

  /** Like send, but throws a ConnectorError on failure (reads the caller cannot go on without). */
  async read<T extends { $metadata: { requestId?: string } }>(operation: string, send: (client: WAFV2Client) => Promise<T>, log: CallRecord[]): Promise<T> {
    const result = await this.send(operation, send, log);
    if (!result.ok) throw new ConnectorError(result.error);
    return result.value;
  }
}
