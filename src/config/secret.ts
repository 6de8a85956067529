import { z } from 'zod';

/**
 * A reference to a secret: an environment variable or a file (e.g. a mounted Kubernetes secret).
 * Secrets are never written inline in the config, except the sandbox demo secret (see config docs).
 */
export const secretRefSchema = z.union(
  [
    z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }).strict(),
    z.object({ file: z.string().min(1, 'a file path') }).strict(),
  ],
  { error: 'expected { env: NAME } or { file: PATH }' },
);
export type SecretRef = z.infer<typeof secretRefSchema>;

export class SecretResolutionError extends Error {
  override name = 'SecretResolutionError';
}

/** Where secrets come from; the Node entry reads env and files, the Worker reads its bindings. */
export interface SecretSource {
  env(name: string): string | undefined;
  file?(path: string): string | undefined;
}

export function resolveSecret(ref: SecretRef, source: SecretSource): string {
  if ('env' in ref) {
    const value = source.env(ref.env);
    if (value === undefined || value === '') {
      throw new SecretResolutionError(`environment variable ${ref.env} is not set (expected the secret value)`);
    }
    return value;
  }
  if (!source.file) throw new SecretResolutionError(`file secrets are not available on this runtime (${ref.file})`);
  const value = source.file(ref.file)?.trim();
  if (!value) throw new SecretResolutionError(`secret file ${ref.file} is missing or empty`);
  return value;
}
