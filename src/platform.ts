/**
 * What every part is handed by its entry point: the time and a log. A leaf module (it imports
 * nothing), so the services, the reconciler, the connector contract and the simulators share these
 * shapes instead of restating them.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A structured logger (pino's shape). Callers never pass secrets; pino's redaction is the second line. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
