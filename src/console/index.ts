/**
 * The operator console: a page served at /console, OpenID Connect login, server-side sessions whose
 * cookie is accepted by the /v1 API (with CSRF checks on mutations). The entry point builds it from
 * `console:` in the config and, once listening, tells it the issuer and the public URL.
 */
import type { RouteModule } from '../http/route.ts';
import type { Clock } from '../platform.ts';
import type { SessionRecords } from '../store/types.ts';
import { loadAssets } from './assets.ts';
import type { ConsoleConfig } from './config.ts';
import { RelyingParty } from './oidc.ts';
import { type ConsoleAuth, createConsoleAuth } from './principal.ts';
import { consoleRoutes } from './routes.ts';
import { SessionStore } from './sessions.ts';

export type { ConsoleConfig } from './config.ts';
export { consoleConfigSchema } from './config.ts';

export interface OperatorConsole {
  auth: ConsoleAuth;
  module: RouteModule;
  /** Sets the identity provider's issuer and the console's public URL (known once the server listens). */
  configure(endpoint: { issuer: string; publicUrl: string }): void;
}

export function createOperatorConsole(config: ConsoleConfig, deps: { clock: Clock; sessions: SessionRecords; clientSecret?: string; assetsDir?: string }): OperatorConsole {
  const sessions = new SessionStore(deps.sessions, deps.clock, config.session.idleMinutes * 60_000, config.session.maxHours * 3_600_000);
  let endpoint: { rp: RelyingParty; publicUrl: string } | undefined;
  const auth = createConsoleAuth(sessions, () => (endpoint ? new URL(endpoint.publicUrl).origin : ''));
  const module = consoleRoutes({ config, sessions, auth, assets: loadAssets(deps.assetsDir), endpoint: () => endpoint });
  return {
    auth,
    module,
    configure({ issuer, publicUrl }) {
      const rp = new RelyingParty({
        issuer,
        clientId: config.oidc.clientId,
        ...(deps.clientSecret ? { clientSecret: deps.clientSecret } : {}),
        scopes: config.oidc.scopes,
        rolesClaim: config.rolesClaim,
      });
      endpoint = { rp, publicUrl: publicUrl.replace(/\/+$/, '') };
    },
  };
}
