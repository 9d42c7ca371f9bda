// The public barrel: every export by name. Internals stay unexported.

// --- stream/: createCallStream and the CallStream object ------------------------------------
export { createCallStream } from './stream/createCallStream.js';
export { CallStream } from './stream/CallStream.js';
export type { CallStreamEvents, CallStreamLike, CallStreamOptions, CallStreamStats, CallStreamStatus, ReadTierStats } from './stream/types.js';

// --- stores/ ----------------------------------------------------------------------------------
export { memoryStore } from './stores/memoryStore.js';
export { fileStore } from './stores/fileStore.js';
export type { Store, StoreState } from './stores/types.js';

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
export { CallTracker } from './engine/CallTracker.js';
export type { TrackerOptions } from './engine/CallTracker.js';
export { ReadPlanner } from './engine/planner.js';
export type { PlannedRead, PlannerOptions, ReadKind } from './engine/planner.js';
export { defaultIsSettled } from './engine/defaultIsSettled.js';
export { classifyCall } from './engine/classifyCall.js';
export { applyFingerprint, changedFields, fingerprint } from './engine/fingerprint.js';
export type { CallCompletedEvent, CallFailedEvent, CallStreamEvent, CallUpdate, CallUpdatedEvent, SettleContext } from './engine/types.js';

// --- exotel/: the API boundary -------------------------------------------------------------------
export { ExotelClient } from './exotel/ExotelClient.js';
export type { ExotelClientOptions, RequestOptions } from './exotel/clientOptions.js';
export type { ClientStats } from './exotel/clientStats.js';
export type { ClientClock } from './exotel/clock.js';
export type { RetryContext } from './exotel/withRetries.js';
export { buildCallQuery } from './exotel/buildCallQuery.js';
export type { CallQuery, CallQueryContext, CallStreamFilters, DateCreatedBound, RangeFilter } from './exotel/buildCallQuery.js';
export { normalizeCall } from './exotel/normalizeCall.js';
export { TRACKED_FIELDS } from './exotel/trackedFields.js';
export type { TrackedField } from './exotel/trackedFields.js';
export type { NormalizeCallOptions } from './exotel/normalizeCall.js';
export { createQuotaLimiter } from './exotel/createQuotaLimiter.js';
export type { QuotaLimiterOptions } from './exotel/createQuotaLimiter.js';
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
export type { ExotelErrorCode, ExotelErrorOptions, ExotelHttpErrorCode, ExotelHttpErrorOptions, ExotelNetworkErrorCode } from './exotel/errors.js';
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
