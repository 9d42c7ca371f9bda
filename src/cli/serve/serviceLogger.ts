import { pino, type Logger } from 'pino';
import type { ServiceConfig } from './loadServiceConfig.js';

/** The JSON logger of the service: one object a line on stdout, `level` as a name, ISO `time`. */
export function serviceLogger(level: ServiceConfig['log']['level'], destination: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'exotel-calls' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
