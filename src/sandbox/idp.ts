/**
 * The sandbox's identity provider: a real OpenID Provider (oidc-provider) on loopback with the
 * accounts listed in `console.sandboxAccounts`, so `npm start` offers a console login that works
 * offline. Its login page is oidc-provider's development interaction: it asks for a login name and
 * does not check the password, which is why a config may use it only with simulated connectors
 * (src/config/rules.ts). Keys are generated at start; nothing is persisted.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import type { ConsoleConfig } from '../console/config.ts';

export interface RunningIdp {
  issuer: string;
  close(): Promise<void>;
}

export async function startSandboxIdp(console: ConsoleConfig, redirectUri: string): Promise<RunningIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const accounts = new Map(console.sandboxAccounts.map((a) => [a.sub, a]));
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    clients: [
      {
        client_id: console.oidc.clientId,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    // Roles travel in the ID token, as with most enterprise providers' group claims.
    claims: { openid: ['sub', 'roles'], profile: ['name'], email: ['email'] },
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, name: account.name, email: `${sub}@sandbox.invalid`, roles: account.roles }) };
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [{ ...signingKey, alg: 'RS256', use: 'sig', kid: randomBytes(8).toString('hex') }] as never },
    features: { devInteractions: { enabled: true } },
    // Explicit lifetimes (seconds): short-lived tokens, a working-day provider session.
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Grant: 8 * 3600, Session: 8 * 3600 },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
