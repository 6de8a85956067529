/** Builds the googleapis compute v1 client: our endpoint, our credentials, and no client-side retries. */

import { auth, type compute_v1, compute } from '@googleapis/compute';
import type { ConnectorContext } from '../../src/connectors/types.ts';
import type { GcpFirewallConfig } from './config.ts';

const SCOPES = ['https://www.googleapis.com/auth/compute'];
/** The static bearer token used against the simulator; it is not a secret and never reaches Google. */
export const SIMULATOR_ACCESS_TOKEN = 'portcullis-simulator-token';

type ComputeAuth = NonNullable<compute_v1.Options['auth']>;

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

/** Never lets the key text into an error message (JSON.parse errors quote their input). */
function parseKeyFile(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyFileError('the service-account key file is not valid JSON');
  }
  const key = parsed as Record<string, unknown> | null;
  if (!key || typeof key !== 'object' || typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new KeyFileError('the service-account key file needs client_email and private_key');
  }
  return key;
}

/** The auth client for the connector's credentials, for the given OAuth scopes (compute by default). */
export function credentialsFor(config: GcpFirewallConfig, ctx: ConnectorContext, scopes: string[] = SCOPES): ComputeAuth {
  const credentials = config.credentials;
  if ('keyFile' in credentials) {
    // The service-account JSON is resolved here and kept only inside the auth client.
    return new auth.GoogleAuth({ credentials: parseKeyFile(ctx.resolveSecret(credentials.keyFile)), scopes });
  }
  if (credentials.source === 'simulator') {
    // A fixed token with no expiry: the auth client never refreshes, so nothing calls a token
    // endpoint or the metadata server.
    const client = new auth.OAuth2();
    client.setCredentials({ access_token: SIMULATOR_ACCESS_TOKEN });
    return client;
  }
  return new auth.GoogleAuth({ scopes });
}

export function createComputeClient(config: GcpFirewallConfig, ctx: ConnectorContext): compute_v1.Compute {
  return compute({
    version: 'v1',
    auth: credentialsFor(config, ctx),
    ...(config.endpoint ? { rootUrl: config.endpoint.endsWith('/') ? config.endpoint : `${config.endpoint}/` } : {}),
    // Every retry is ours (withRetry), so each attempt is recorded and mutations keep their requestId.
    retry: false,
    retryConfig: { retry: 0 },
  });
}
