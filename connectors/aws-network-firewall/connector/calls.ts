import { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { withRetry } from '../../../src/connectors/retry.ts';
import { type AttemptRecord, ConnectorError, type ConnectorContext, type ConnectorErrorInfo } from '../../../src/connectors/types.ts';
import { classifyNfwError } from '../classify.ts';
import type { AwsNetworkFirewallConfig } from '../config.ts';

export interface CallRecord {
  operation: string;
  requestId?: string;
  attempts: AttemptRecord[];
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: ConnectorErrorInfo };

/** Static keys the simulator accepts; the config schema keeps them away from real endpoints. */
const SIMULATOR_CREDENTIALS = { accessKeyId: 'AKIAPORTCULLISSIM000', secretAccessKey: 'simulator-secret-not-a-real-key' };

export function createNfwClient(config: AwsNetworkFirewallConfig, ctx: ConnectorContext): NetworkFirewallClient {
  const { credentials } = config;
  return new NetworkFirewallClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Retries are ours (withRetry), so every attempt is recorded and the one policy applies.
    maxAttempts: 1,
    ...('source' in credentials
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
        }),
  });
}

export function errorInfo(kind: ConnectorErrorInfo['kind'], code: string, message: string): ConnectorErrorInfo {
  return { kind, code, message, retryable: false };
}

/** Runs every Network Firewall call through the shared retry policy and records it into the caller's log. */
export class NfwCalls {
  readonly client: NetworkFirewallClient;
  private readonly ctx: ConnectorContext;
  constructor(client: NetworkFirewallClient, ctx: ConnectorContext) {
    this.client = client;
    this.ctx = ctx;
  }

  async run<T extends { $metadata: { requestId?: string } }>(
    operation: string,
    send: (client: NetworkFirewallClient) => Promise<T>,
    log: CallRecord[],
  ): Promise<CallResult<T>> {
    const { clock, retry } = this.ctx;
    const outcome = await withRetry(
      operation,
      async () => {
        const value = await send(this.client);
        return value.$metadata.requestId ? { value, requestId: value.$metadata.requestId } : { value };
      },
      { clock, retry },
      (error) => classifyNfwError(error, clock.now()),
    );
    const requestId = outcome.attempts.findLast((a) => a.requestId)?.requestId;
    log.push({ operation, ...(requestId ? { requestId } : {}), attempts: outcome.attempts });
    if (!outcome.ok) {
      this.ctx.log.warn({ operation, code: outcome.error.code, kind: outcome.error.kind, requestId }, 'Network Firewall call failed');
      return { ok: false, error: outcome.error };
    }
    return { ok: true, value: outcome.value };
  }

  /** Like run, but throws a ConnectorError on failure (reads the caller cannot go on without). */
  async read<T extends { $metadata: { requestId?: string } }>(
    operation: string,
    send: (client: NetworkFirewallClient) => Promise<T>,
    log: CallRecord[],
  ): Promise<T> {
    const result = await this.run(operation, send, log);
    if (!result.ok) throw new ConnectorError(result.error);
    return result.value;
  }
}
