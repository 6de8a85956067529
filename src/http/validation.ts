import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { Problem } from './problem.ts';

interface Issue {
  path: PropertyKey[];
  message: string;
}

/** Describes schema issues as "field: what was expected", the way every refusal must read. */
export function describeIssues(issues: readonly Issue[]): { detail: string; errors: { field: string; message: string }[] } {
  const errors = issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
  return { detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors };
}

/** zod-openapi's default hook: a failed body or parameter check becomes a 422 (400 for the query) problem. */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by every route, whatever its input types
export const validationHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (result.success) return;
  const { detail, errors } = describeIssues(result.error.issues);
  const target = (result as { target?: string }).target;
  if (target === 'query') throw new Problem('invalid_query', detail, { errors });
  if (target === 'param') throw new Problem('not_found', detail, { errors });
  c.set('problemCode', 'validation_failed');
  throw new Problem('validation_failed', detail, { errors });
};
