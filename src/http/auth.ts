import type { Context, MiddlewareHandler } from 'hono';
import secureJson from 'secure-json-parse';
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
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
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
      // The MAC covers the bytes as received; they are decoded only once it matches.
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (!(await verifySignature(client.keys, headers, bytes))) {
        throw new Problem(
          'signature_invalid',
          'no v1 signature matches: sign "{webhook-id}.{webhook-timestamp}.{exact body}" with HMAC-SHA256 and the client secret (base64 after whsec_)',
        );
      }
      c.set('client', client);
      c.set('webhookId', headers.id);
      c.set('rawBody', decodeUtf8(bytes));
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
      checkJsonContentType(c.req.header('content-type'));
      // Refuses what is not JSON, or not representable, before the route's schema sees it.
      parseJsonBody(c.get('rawBody') ?? '');
    }
    await next();
  };
  requirements.set(middleware, requirement);
  return middleware;
}

/** The requirement of each middleware authenticate() made, so the app can list its signed routes (src/http/route.ts). */
const requirements = new WeakMap<object, AuthRequirement>();

/** What a middleware made by authenticate() requires; undefined for any other middleware. */
export function authRequirementOf(middleware: unknown): AuthRequirement | undefined {
  return typeof middleware === 'function' ? requirements.get(middleware) : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, refusing bytes that are not UTF-8 (a decoder would silently turn them into U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let at = 0;
    // Name the first bad byte: decode growing prefixes would be quadratic; find it by a streaming pass.
    const probe = new TextDecoder('utf-8', { fatal: true });
    for (; at < bytes.length; at++) {
      try {
        probe.decode(bytes.subarray(at, at + 1), { stream: true });
      } catch {
        break;
      }
    }
    throw new Problem('body_not_utf8', `the body is not valid UTF-8 (first invalid byte at offset ${at}); send JSON encoded as UTF-8`, {
      offset: at,
    });
  }
}

/** application/json, in UTF-8 (RFC 8259 §8.1): any other charset is refused, not guessed. */
export function checkJsonContentType(header: string | undefined): void {
  const [type, ...params] = (header ?? '').split(';').map((part) => part.trim());
  const mediaType = type?.toLowerCase() || undefined;
  if (mediaType !== 'application/json') {
    throw new Problem('unsupported_media_type', `content-type must be application/json, not "${mediaType ?? '(none)'}"`);
  }
  for (const param of params) {
    const [name, value = ''] = param.split('=', 2).map((x) => x.trim());
    if (name?.toLowerCase() !== 'charset') continue;
    const charset = value.replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new Problem('unsupported_media_type', `charset "${charset.slice(0, 40)}" is not accepted: send the JSON body as UTF-8 (charset=utf-8 or no charset)`, {
        charset: charset.slice(0, 40),
      });
    }
  }
}

/**
 * JSON.parse, then a scan by secure-json-parse: a `__proto__` key, or `constructor.prototype`, cannot be
 * represented faithfully in a JavaScript object (it would be dropped or change the prototype), so the
 * audit record would differ from what was signed: refused with 422 instead.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Problem('malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (value !== null && typeof value === 'object') {
    try {
      secureJson.scan(value as Record<string, unknown>);
    } catch {
      throw new Problem('forbidden_json_key', 'the body has a "__proto__" key or a "constructor" key holding "prototype": rename the key (it cannot be stored as sent)');
    }
  }
  return value;
}
