import type { Context, MiddlewareHandler } from 'hono';
import type { Scope } from '../config/schema.ts';
import { admitSignedRead, refuseReusedWebhookId } from './admission.ts';
import { hasScope } from './clients.ts';
import type { AppEnv } from './env.ts';
import { Problem } from './problem.ts';
import { checkTimestamp, parseSignatureHeaders, verifySignature } from './signature.ts';

export const CLIENT_HEADER = 'portcullis-client';

export interface AuthRequirement {
  /** The scope the call needs; a function when it depends on the request (e.g. the playbook). */
  scope: Scope | ((c: Context<AppEnv>) => Scope);
  /** Mutating calls must be signed and carry a JSON body; reads also accept a bearer token. */
  mutating: boolean;
}

/**
 * Authenticates a call (Standard Webhooks signature, or a bearer token on reads), checks the scope,
 * and for mutating calls checks the content type and parses the JSON body, all before any state is touched.
 */
export function authenticate(requirement: AuthRequirement): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { clients, clock, settings, console: operatorConsole } = c.get('services');
    const authorization = c.req.header('authorization');
    // A console session (cookie) is a credential only when the call carries no signature and no token.
    const session =
      operatorConsole && !authorization && !c.req.header('webhook-signature') ? await operatorConsole.principal(c, requirement.mutating) : undefined;

    if (session) {
      c.set('client', session.client);
      c.set('operator', session.operator);
      if (requirement.mutating) {
        // Each console request is its own message; the Idempotency-Key header (sent by the console) dedupes.
        c.set('webhookId', `console_${crypto.randomUUID()}`);
        c.set('rawBody', await c.req.text());
      }
    } else if (authorization && !c.req.header('webhook-signature')) {
      if (requirement.mutating) {
        throw new Problem(
          'signature_missing',
          'bearer tokens are accepted on read-only endpoints only; mutating calls need a Standard Webhooks signature',
        );
      }
      const token = /^Bearer ([\x21-\x7e]{16,512})$/.exec(authorization)?.[1];
      const client = token ? await clients.byToken(token) : undefined;
      if (!client) throw new Problem('token_invalid', 'the Authorization header must be "Bearer <token>" with a token configured for a client');
      c.set('client', client);
    } else {
      const headers = parseSignatureHeaders((name) => c.req.header(name));
      const clientId = c.req.header(CLIENT_HEADER);
      if (!clientId) {
        throw new Problem('unknown_client', `missing header ${CLIENT_HEADER}: name the client whose secret signed the call`);
      }
      const client = clients.get(clientId);
      if (!client) throw new Problem('unknown_client', `no client "${clientId.slice(0, 64)}" is configured`);
      checkTimestamp(headers.timestamp, clock.now(), settings.toleranceSeconds);
      const body = await c.req.text();
      if (!(await verifySignature(client.keys, headers, body))) {
        throw new Problem(
          'signature_invalid',
          'no v1 signature matches: sign "{webhook-id}.{webhook-timestamp}.{exact body}" with HMAC-SHA256 and the client secret (base64 after whsec_)',
        );
      }
      c.set('client', client);
      c.set('webhookId', headers.id);
      c.set('rawBody', body);
    }

    const client = c.get('client');
    const scope = typeof requirement.scope === 'function' ? requirement.scope(c) : requirement.scope;
    if (client && !hasScope(client, scope)) {
      throw new Problem('scope_denied', `client "${client.id}" lacks the "${scope}" scope this call needs`, {
        required_scope: scope,
      });
    }

    if (!requirement.mutating) await admitSignedRead(c);
    else await refuseReusedWebhookId(c);

    if (requirement.mutating) {
      const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') {
        throw new Problem('unsupported_media_type', `content-type must be application/json, not "${type ?? '(none)'}"`);
      }
      try {
        c.set('jsonBody', JSON.parse(c.get('rawBody') ?? ''));
      } catch (error) {
        throw new Problem('malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
      }
    }
    await next();
  };
}
