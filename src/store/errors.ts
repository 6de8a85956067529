/**
 * The database cannot be reached (refused, reset, timed out, shutting down). Nothing of the call that
 * met it was committed by the statement that failed; the edge answers 503 with Retry-After, and the
 * driver reconnects by itself once the database answers again.
 */
export class StoreUnavailableError extends Error {
  /** What Retry-After asks a caller to wait. */
  readonly retryAfterSeconds: number;
  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
  }
}

/**
 * A unit of work recorded a decision on a run that already has one (its run_decisions row is unique):
 * another request, maybe in another process, decided the run first. Nothing of this unit committed.
 * The message is the database's (it names run_decisions).
 */
export class RunAlreadyDecided extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'RunAlreadyDecided';
  }
}

export const isStoreUnavailable = (error: unknown): error is StoreUnavailableError => error instanceof StoreUnavailableError;

/** A database whose schema is newer than this build's migrations: this build refuses to start on it. */
export class SchemaTooNewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Refuses a database that has applied migrations this build does not ship (a newer release, or
 * another branch): running on it would read and write tables this code does not know.
 */
export function assertKnownSchema(applied: Iterable<string>, known: string[], where: string): void {
  const unknown = [...applied].filter((name) => !known.includes(name)).sort();
  if (unknown.length === 0) return;
  throw new SchemaTooNewError(
    `${where} has a newer schema than this build of portcullis knows: it applied migration ${unknown.join(', ')}, ` +
      `and this build's latest is ${known.at(-1) ?? '(none)'}. Upgrade this replica to the release that wrote it ` +
      '(every replica on one database must run the same version), or point it at another database.',
  );
}
