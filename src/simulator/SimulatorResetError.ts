/**
 * Thrown by `Simulator.handle()` when a `reset` fault hits: without a socket there is nothing to
 * destroy, so the fault surfaces as this typed error instead.
 */
export class SimulatorResetError extends Error {
  override readonly name = 'SimulatorResetError';
  readonly code = 'ECONNRESET';

  constructor(readonly method: string, readonly path: string) {
    super(`Connection reset by a scripted fault (${method} ${path})`);
  }
}

export function isSimulatorResetError(value: unknown): value is SimulatorResetError {
  return value instanceof SimulatorResetError;
}
