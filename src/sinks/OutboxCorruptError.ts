import { ExotelError } from '../exotel/errors.js';

/** An outbox file with a damaged line that is not its last one (the events it held cannot be guessed). */
export class OutboxCorruptError extends ExotelError {
  override name = 'OutboxCorruptError' as const;
  constructor(
    readonly path: string,
    readonly line: number,
  ) {
    super('ERR_STORE', `Outbox ${path} has a damaged line ${line}; refusing to guess which events it held`, { fatal: true });
  }
}
