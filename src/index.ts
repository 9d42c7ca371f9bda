// The public barrel: every export by name. Internals stay unexported.

// --- stream/: createCallStream and the CallStream object ------------------------------------
export { createCallStream } from './stream/createCallStream.js';
export { CallStream } from './stream/CallStream.js';
export type {
  CallCompletedEvent,
  CallFailedEvent,
  CallStreamEvent,
  CallStreamEvents,
  CallStreamFilters,
  CallStreamLike,
  CallStreamOptions,
  CallStreamStats,
  CallStreamStatus,
  CallUpdate,
  CallUpdatedEvent,
  ReadTierStats,
  SettleContext,
  Store,
  StoreState,
} from './stream/types.js';

// --- stores/ ----------------------------------------------------------------------------------
export { memoryStore } from './stores/memoryStore.js';
export { fileStore } from './stores/fileStore.js';

// --- operators/: the parts of the pipeline, for composing your own ------------------------------
export { pollEvery } from './operators/pollEvery.js';
export { readPlanned } from './operators/readPlanned.js';
export type { PageSource, ReadLike, ReadPage, ReadPlannedOptions, ReadResult } from './operators/readPlanned.js';
export { normalizeRecords } from './operators/normalizeRecords.js';
export type { NormalizeRecordsOptions } from './operators/normalizeRecords.js';
export { trackCalls } from './operators/trackCalls.js';
export type { TrackCallsOptions, TrackerLike } from './operators/trackCalls.js';
export { expireHeld } from './operators/expireHeld.js';
export type { ExpiringTracker } from './operators/expireHeld.js';
export { persistState } from './operators/persistState.js';
export type { PersistStateOptions } from './operators/persistState.js';
export { ofEventType } from './operators/ofEventType.js';
export type { EventPayloads } from './operators/ofEventType.js';

// --- engine/: pure logic (no I/O) ---------------------------------------------------------------
export { CallTracker } from './engine/tracker.js';
export type { TrackerOptions } from './engine/tracker.js';
export { ReadPlanner } from './engine/planner/ReadPlanner.js';
export type { HeldRef, PlannedRead, PlannerOptions, ReadCompletion, ReadKind } from './engine/planner/types.js';
export { CoverageLedger } from './engine/coverage/CoverageLedger.js';
export type { CoverageJSON, CoverageSpan, SecondRange } from './engine/coverage/CoverageLedger.js';
export { defaultIsSettled } from './engine/settle.js';
export { classifyCall } from './engine/classify.js';
export { TRACKED_FIELDS, applyFingerprint, changedFields, fingerprint } from './engine/fingerprint.js';

// --- exotel/: the API boundary -------------------------------------------------------------------
export { ExotelClient } from './exotel/client.js';
export { ApiClock } from './exotel/ApiClock.js';
export type { ApiClockOptions, ClockJump } from './exotel/ApiClock.js';
export type { ClientStats, ExotelClientOptions, RequestOptions, RetryContext } from './exotel/client.js';
export { buildCallQuery } from './exotel/query.js';
export type { CallQuery, CallQueryContext, DateCreatedBound, RangeFilter } from './exotel/query.js';
export { normalizeCall } from './exotel/normalize.js';
export type { NormalizeCallOptions } from './exotel/normalize.js';
export { createQuotaLimiter } from './exotel/limiter.js';
export type { QuotaLimiterOptions } from './exotel/limiter.js';
export type { CallPage } from './exotel/paging.js';
export {
  ExotelError,
  ExotelHttpError,
  ExotelNetworkError,
  ExotelResponseError,
  InvalidOptionError,
  MalformedRecordError,
  isExotelError,
  isExotelHttpError,
  isMalformedRecordError,
} from './exotel/errors.js';
export type { ExotelErrorCode, ExotelErrorOptions } from './exotel/errors.js';
export type {
  Call,
  CallDetails,
  CallDirection,
  CallListMetadata,
  CallStatus,
  LegStatus,
  OngoingCallStatus,
  RawCall,
  RawCallDetails,
  RawCallListResponse,
  RawCallResponse,
  RawNumber,
  RawRestException,
} from './exotel/types.js';
export { formatNaive, parseNaive, parseNaiveMs, zoneOffsetMs } from './exotel/time.js';

// --- wallboard/: the live wallboard server ------------------------------------------------------
export { createWallboardServer, WallboardAggregates, toBoardCall } from './wallboard/index.js';
export type {
  BoardCall,
  BoardEvent,
  FeedStatus,
  MinuteBar,
  PeriodTotals,
  WallboardAggregatesOptions,
  WallboardServer,
  WallboardServerOptions,
  WallboardSnapshot,
  WallboardSource,
  WallboardStats,
} from './wallboard/index.js';
