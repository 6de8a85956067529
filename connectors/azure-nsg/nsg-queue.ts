/**
 * Serializes writes per NSG inside one connector instance. Azure answers overlapping writes on one
 * NSG with RetryableError (429, RetryableErrorDueToAnotherOperation) or AnotherOperationInProgress (409); queueing them here means this
 * connector never causes that itself (other writers still can, and those answers are retried).
 */
export class NsgWriteQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(nsgKey: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(nsgKey) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(nsgKey, tail);
    // Drop the entry once idle so the map does not grow with every NSG ever written.
    void tail.then(() => {
      if (this.tails.get(nsgKey) === tail) this.tails.delete(nsgKey);
    });
    return next;
  }
}
