/**
 * The OpenID Connect relying party, with openid-client: discovery (lazy, cached), the authorization
 * request (code flow, S256 PKCE, state and nonce) and the callback (code exchange, ID token checks).
 */
import * as oidc from 'openid-client';
import type { PendingLogin } from './sessions.ts';

export interface RelyingPartyOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  rolesClaim: string;
}

export interface VerifiedLogin {
  iss: string;
  sub: string;
  name?: string;
  email?: string;
  roles: string[];
}

const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?(\/|$)/;

export class RelyingParty {
  private configuration?: Promise<oidc.Configuration>;

  private readonly options: RelyingPartyOptions;

  constructor(options: RelyingPartyOptions) {
    this.options = options;
  }

  private discover(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const { issuer, clientId, clientSecret } = this.options;
      // Plain http only for an identity provider on loopback (the sandbox's); anything else must be https.
      const insecure = LOOPBACK_HTTP.test(issuer) ? { execute: [oidc.allowInsecureRequests] } : {};
      this.configuration = oidc
        .discovery(new URL(issuer), clientId, undefined, clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(), insecure)
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw error;
        });
    }
    return this.configuration;
  }

  async authorizationUrl(login: PendingLogin, redirectUri: string): Promise<URL> {
    const config = await this.discover();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.options.scopes.join(' '),
      response_type: 'code',
      state: login.state,
      nonce: login.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(login.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the code and checks the ID token (issuer, audience, nonce, expiry); roles from the ID token or userinfo. */
  async complete(login: PendingLogin, callbackUrl: URL): Promise<VerifiedLogin> {
    const config = await this.discover();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: login.codeVerifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('the identity provider returned no ID token');
    let claims: Record<string, unknown> = idClaims;
    // Many providers keep profile and group claims out of the ID token; userinfo has them.
    if (idClaims[this.options.rolesClaim] === undefined && config.serverMetadata().userinfo_endpoint) {
      claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
    }
    const raw = claims[this.options.rolesClaim];
    const roles = Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : typeof raw === 'string' ? raw.split(/\s+/).filter(Boolean) : [];
    return {
      iss: idClaims.iss,
      sub: idClaims.sub,
      ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
      ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
      roles,
    };
  }
}
