import pino, { type DestinationStream } from 'pino';
import type { Logger } from '../platform.ts';
import { REDACTED_PATHS } from './redact.ts';

export { REDACTED_PATHS } from './redact.ts';

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
