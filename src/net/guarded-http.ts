/**
 * Node's outbound connections for notifications and SIEM push, with the SSRF check at EVERY connect:
 * node:http(s), node:net and node:tls call our `lookup` each time they open a socket, and it answers
 * with an address it has just resolved and checked (src/notify/ssrf.ts), so the socket goes to the
 * address that passed, never to a second resolution (DNS rebinding). IP literals skip `lookup` in
 * Node, so they are checked before connecting. A fresh connection per POST (no keep-alive pool): every
 * delivery is a connect, and so a check. TLS still verifies the certificate against the host name.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { type OutboundPolicy, checkAddress, resolveChecked } from '../notify/ssrf.ts';
import { DeliveryTimeout, type HttpPost } from '../notify/transport.ts';

/** A `lookup` for net/tls/http that resolves with the policy's resolver and refuses internal addresses. */
export function guardedLookup(where: string, policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(where, hostname, policy).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => isIP(a) === options.family) : addresses;
        const list = (wanted.length ? wanted : addresses).map((address) => ({ address, family: isIP(address) }));
        if (options.all) callback(null, list);
        else callback(null, list[0]?.address ?? '', list[0]?.family ?? 4);
      },
      (error: Error) => callback(Object.assign(error, { code: 'ESSRF' }), ''),
    );
  };
}

/** Checks an IP-literal host up front (Node connects to literals without calling lookup). */
export function checkLiteral(where: string, host: string, policy: OutboundPolicy): void {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) checkAddress(where, bare, bare, policy);
}

/** The Node transport: node:http(s), a private CA when given, the address checked at connect. */
export function guardedPost(policy: OutboundPolicy, o: { ca?: string } = {}): HttpPost {
  return ({ url, headers, body, timeoutMs, where }) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      try {
        checkLiteral(where, target.hostname, policy);
      } catch (error) {
        reject(error);
        return;
      }
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          agent: false,
          ...(policy.sandbox ? {} : { lookup: guardedLookup(where, policy) }),
          ...(o.ca ? { ca: o.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      // The whole exchange within timeoutMs, however slowly a receiver drips its answer.
      const timer = setTimeout(() => req.destroy(new DeliveryTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
      // Redirects are not followed (node:http never does): a receiver cannot bounce us inside.
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(body);
    });
}
