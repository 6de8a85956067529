/** OpenAPI security requirements: signed calls (Standard Webhooks headers) or, on reads, a bearer token. */
export const signedSecurity: Record<string, string[]>[] = [{ standardWebhooks: [] }, { bearerToken: [] }];
export const signedOnlySecurity: Record<string, string[]>[] = [{ standardWebhooks: [] }];

export const securitySchemes = {
  standardWebhooks: {
    type: 'apiKey' as const,
    in: 'header' as const,
    name: 'webhook-signature',
    description:
      'Standard Webhooks v1: headers webhook-id, webhook-timestamp, webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>") and portcullis-client (the client id). Timestamps within ±300 s; every webhook-id is accepted once.',
  },
  bearerToken: {
    type: 'http' as const,
    scheme: 'bearer',
    description: 'Read-only endpoints only; tokens are configured per client and stored hashed.',
  },
};
