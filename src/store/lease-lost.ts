/**
 * A replica no longer holds a lease with the token its work started under: thrown before a cloud
 * write (src/reconcile/leases.ts) and by a fenced commit (src/store/sql/leases.ts), which then wrote
 * nothing. Not retryable by this replica: the lease's new holder does the work.
 */
export class LeaseLost extends Error {
  readonly lease: string;
  constructor(lease: string) {
    super(`lease ${lease} was lost: another replica holds it now`);
    this.name = 'LeaseLost';
    this.lease = lease;
  }
}
