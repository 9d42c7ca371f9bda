// The simulator's entry point (`exotel-call-stream/simulator`): every export by name.
export { createSimulator } from './createSimulator.js';
export { SimulatorResetError, isSimulatorResetError } from './SimulatorResetError.js';
export { DEFAULT_MIX } from './traffic.js';
export { SimulatorDispatcher } from './SimulatorDispatcher.js';
export type {
  CallSpec,
  ContentCoding,
  CorrectionFields,
  DelayRange,
  FaultSpec,
  RateStats,
  RequestRecord,
  SimulatedCall,
  Simulator,
  SimulatorAccount,
  SimulatorCallbacks,
  SimulatorClock,
  SimulatorOptions,
  SimulatorRequest,
  SimulatorResponse,
  StatusCallbackDelivery,
  StatusCallbackEvent,
  StatusCallbackOptions,
  StatusCallbackRecord,
  StatusCallbackStats,
  TrafficMix,
  TrafficOptions,
} from './types.js';
