import { EC2Client } from '@aws-sdk/client-ec2';
import { withRetry } from '../../../src/connectors/retry.ts';
import {
  type AttemptRecord,
  ConnectorError,
  type ConnectorContext,
  type ConnectorErrorInfo,
} from '../../../src/connectors/types.ts';
import { classifyEc2Error } from '../classify.ts';
import type { AwsEc2Config } from '../config.ts';

export interface CallRecord {
  operation: string;
  requestId?: string;
  attempts: AttemptRecord[];
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: ConnectorErrorInfo };

/** Static keys the simulator accepts; the config schema keeps them away from real endpoints. */
const SIMULATOR_CREDENTIALS = { accessKeyId: 'AKIAPORTCULLISSIM000', secretAccessKey: 'simulator-secret-not-a-real-key' };

export function createEc2Client(config: AwsEc2Config, ctx: ConnectorContext): EC2Client {
  return new EC2Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Retries are ours (withRetry), so every attempt is recorded and the one policy applies.
    maxAttempts: 1,
    ...awsCredentials(config, ctx),
  });
}

/** The SDK credentials option of a connector's config (none: the SDK's default provider chain). */
export function awsCredentials(config: AwsEc2Config, ctx: ConnectorContext) {
  const { credentials } = config;
  return 'source' in credentials
    ? credentials.source === 'simulator'
      ? { credentials: SIMULATOR_CREDENTIALS }
      : {}
    : {
        // Resolved on use, so a rotated file secret is picked up when the SDK refreshes.
        credentials: async () => ({
          accessKeyId: ctx.resolveSecret(credentials.accessKeyId),
          secretAccessKey: ctx.resolveSecret(credentials.secretAccessKey),
          ...(credentials.sessionToken ? { sessionToken: ctx.resolveSecret(credentials.sessionToken) } : {}),
        }),
      };
}

/**
 * Runs every EC2 call through the shared retry policy and records it (operation, request id, attempts)
 * into the log of the operation it belongs to.
 */
export class Ec2Calls {
  readonly client: EC2Client;
  private readonly ctx: ConnectorContext;
  constructor(
    client: EC2Client,
    ctx: ConnectorContext,
  ) {
    this.client = client;
    this.ctx = ctx;
  }

  /** `expected`: error codes that are the answer asked for (DryRunOperation), not failures to log. */
  async run<T extends { $metadata: { requestId?: string } }>(
    operation: string,
    send: (client: EC2Client) => Promise<T>,
    log: CallRecord[],
    expected: readonly string[] = [],
  ): Promise<CallResult<T>> {
    const { clock, retry } = this.ctx;
    const outcome = await withRetry(
      operation,
      async () => {
        const value = await send(this.client);
        return value.$metadata.requestId ? { value, requestId: value.$metadata.requestId } : { value };
      },
      { clock, retry },
      (error) => classifyEc2Error(error, clock.now()),
    );
    const requestId = outcome.attempts.findLast((a) => a.requestId)?.requestId;
    log.push({ operation, ...(requestId ? { requestId } : {}), attempts: outcome.attempts });
    if (!outcome.ok) {
      if (!expected.includes(outcome.error.code)) {
        this.ctx.log.warn({ operation, code: outcome.error.code, kind: outcome.error.kind, requestId }, 'EC2 call failed');
      }
      return { ok: false, error: outcome.error };
    }
    return { ok: true, value: outcome.value };
  }

  /** Like run, but throws a ConnectorError on failure (for reads whose caller cannot go on without them). */
  async read<T extends { $metadata: { requestId?: string } }>(
    operation: string,
    send: (client: EC2Client) => Promise<T>,
    log: CallRecord[],
  ): Promise<T> {
    const result = await this.run(operation, send, log);
    if (!result.ok) throw new ConnectorError(result.error);
    return result.value;
  }
}

export function connectorErrorInfo(
  kind: ConnectorErrorInfo['kind'],
  code: string,
  message: string,
): ConnectorErrorInfo {
  return { kind, code, message, retryable: false };
}
