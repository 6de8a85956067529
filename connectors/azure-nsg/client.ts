import { NetworkManagementClient } from '@azure/arm-network';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import type { ConnectorContext } from '../../src/connectors/types.ts';
import type { AzureNsgConfig } from './config.ts';

/** The token the simulator credential presents; the simulator accepts any bearer token. */
const SIMULATOR_TOKEN = 'portcullis-simulator-token';

/** A static credential, only for `credentials: { source: simulator }`. */
const simulatorCredential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    return { token: SIMULATOR_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

export function buildCredential(config: AzureNsgConfig, ctx: ConnectorContext): TokenCredential {
  const credentials = config.credentials;
  if ('tenantId' in credentials) {
    // Resolved once, here; the secret stays inside the credential object and is never logged.
    return new ClientSecretCredential(credentials.tenantId, credentials.clientId, ctx.resolveSecret(credentials.clientSecret));
  }
  if (credentials.source === 'default') return new DefaultAzureCredential();
  return simulatorCredential;
}

/**
 * The SDK client, with its own retries switched off (`maxRetries: 0`) so every attempt goes through
 * the one retry policy (src/connectors/retry.ts) and is recorded.
 *
 * With `source: simulator` the SDK's bearer-token policy is replaced by a policy that sets a static
 * Authorization header: core-rest-pipeline refuses bearer tokens on non-https URLs, and the sandbox
 * serves the simulator on http://127.0.0.1. Real credentials keep the SDK's policy and https only
 * (the config schema refuses an http endpoint with real credentials).
 */
export function createArmClient(config: AzureNsgConfig, ctx: ConnectorContext): NetworkManagementClient {
  const simulated = 'source' in config.credentials && config.credentials.source === 'simulator';
  const client = new NetworkManagementClient(buildCredential(config, ctx), config.subscriptionId, {
    endpoint: config.endpoint,
    retryOptions: { maxRetries: 0 },
    allowInsecureConnection: simulated && config.endpoint.startsWith('http://'),
    userAgentOptions: { userAgentPrefix: 'portcullis' },
  });
  if (simulated) {
    client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    client.pipeline.addPolicy(
      {
        name: 'portcullisSimulatorAuthPolicy',
        sendRequest(request, next) {
          request.headers.set('Authorization', `Bearer ${SIMULATOR_TOKEN}`);
          return next(request);
        },
      },
      { phase: 'Sign' },
    );
  }
  return client;
}
