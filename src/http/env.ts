import type { Operator } from '../console/sessions.ts';
import type { Client } from './clients.ts';
import type { Services } from '../services.ts';

/** Hono context variables set by the edge middleware. */
export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    client?: Client;
    /** The operator behind a console session (issuer + subject), when the call came from the console. */
    operator?: Operator;
    /** The Standard Webhooks id of a signed call. */
    webhookId?: string;
    /** The exact body bytes that were signed, as text. */
    rawBody?: string;
    /** Set once a refusal has been written to the audit log, so the edge does not write it twice. */
    audited?: boolean;
    /** The problem code of a refusal, for the access log. */
    problemCode?: string;
  };
}
