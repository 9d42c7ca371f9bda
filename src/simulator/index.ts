// The simulator's entry point (`exotel-call-stream/simulator`): every export by name.
export { createSimulator } from './createSimulator.js';
export { SimulatorResetError, isSimulatorResetError } from './SimulatorResetError.js';
export { DEFAULT_MIX } from './traffic.js';
export { SimulatorDispatcher } from './SimulatorDispatcher.js';
export type {
  CallSpec,
  ContentCoding,
  CorrectionFields,
  FaultSpec,
  RateStats,
  RequestRecord,
  SimulatedCall,
  Simulator,
  SimulatorAccount,
  SimulatorClock,
  SimulatorOptions,
  SimulatorRequest,
  SimulatorResponse,
  TrafficMix,
  TrafficOptions,
} from './types.js';
