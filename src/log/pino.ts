import pino, { type DestinationStream } from 'pino';
import type { Logger } from '../services.ts';

/**
 * Field names that must never reach a log line with their value. Nothing in the code logs these on
 * purpose; this is the second line of defence, and test/security/redaction.test.ts plants a canary to prove it.
 */
export const REDACTED_PATHS = [
  'secret',
  'secrets',
  'token',
  'tokens',
  'password',
  'authorization',
  'signature',
  'sandboxValue',
  'clientSecret',
  'privateKey',
  'headers.authorization',
  'headers["webhook-signature"]',
  '*.secret',
  '*.secrets',
  '*.token',
  '*.authorization',
  '*.signature',
  '*.sandboxValue',
  '*.clientSecret',
  '*.privateKey',
];

export function createPinoLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'portcullis' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
