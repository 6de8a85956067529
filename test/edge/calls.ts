/** Shorthands for sending signed and bearer calls to a TestApp. */
import { SECRETS, type TestApp, thingJson } from '../support/app.ts';
import { type SignedCall, signedInit } from '../support/sign.ts';

/** Each test client's (first) secret. */
export const secretOf: Record<string, string> = {
  soar: SECRETS.soar,
  rotating: SECRETS.rotatingNew,
  reader: SECRETS.reader,
  auditor: SECRETS.auditor,
  approver: SECRETS.approver,
  operator: SECRETS.operator,
};

/** The init of a signed call as client `soar` at the app's current time (POST with a valid thing unless told). */
export function signedFor(t: TestApp, over: Partial<SignedCall> = {}): ReturnType<typeof signedInit> {
  const method = over.method ?? 'POST';
  const clientId = over.clientId ?? 'soar';
  return signedInit({
    clientId,
    secret: over.secret ?? secretOf[clientId] ?? SECRETS.soar,
    nowMs: t.clock.now(),
    ...(method === 'GET' ? {} : { body: thingJson() }),
    ...over,
  });
}

/** Sends a signed call (see signedFor). */
export function sendSigned(t: TestApp, path: string, over: Partial<SignedCall> = {}): Promise<Response> {
  return Promise.resolve(t.app.request(path, signedFor(t, over)));
}

/** Sends a read with `Authorization: Bearer <token>` (or any Authorization value). */
export function sendBearer(t: TestApp, path: string, authorization: string, method = 'GET'): Promise<Response> {
  return Promise.resolve(t.app.request(path, { method, headers: { authorization } }));
}
