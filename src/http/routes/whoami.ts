import { createRoute, z } from '@hono/zod-openapi';
import type { RouteModule } from '../../app.ts';
import { authenticate } from '../auth.ts';
import { problems, readErrors } from './openapi-meta.ts';
import { signedSecurity } from './security.ts';

const whoami = createRoute({
  method: 'get',
  path: '/v1/whoami',
  operationId: 'whoami',
  tags: ['operations'],
  summary: 'The calling client and its scopes (to check a signer or a token)',
  security: signedSecurity,
  middleware: [authenticate({ scope: 'runs:read', mutating: false })] as const,
  responses: {
    200: {
      description: 'The authenticated client',
      content: {
        'application/json': {
          schema: z.object({ client: z.string(), scopes: z.array(z.string()), auth: z.enum(['signature', 'token']) }),
          example: { client: 'soar', scopes: ['block', 'unblock', 'runs:read'], auth: 'signature' },
        },
      },
    },
    ...problems(readErrors()),
  },
});

export const registerWhoami: RouteModule = (app, signed) => {
  signed.push({ method: 'get', path: '/v1/whoami', requirement: { scope: 'runs:read', mutating: false } });
  app.openapi(whoami, (c) => {
    const client = c.get('client');
    if (!client) throw new Error('authenticate() ran without setting a client');
    return c.json(
      { client: client.id, scopes: [...client.scopes], auth: c.get('webhookId') ? ('signature' as const) : ('token' as const) },
      200,
    );
  });
};
