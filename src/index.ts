// The public barrel: every export by name. Internals stay unexported.

// --- stream/: createCallStream and the CallStream object ------------------------------------
export { createCallStream } from './stream/createCallStream.js';
export { CallStream } from './stream/CallStream.js';
export { LazyStartEmitter } from './stream/LazyStartEmitter.js';
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
export { ReadPlanner } from './engine/planner/ReadPlanner.js';
export type { HeldRef, PlannedRead, PlannerOptions, ReadCompletion, ReadKind } from './engine/planner/types.js';
export { CoverageLedger } from './engine/coverage/CoverageLedger.js';
export type { CoverageJSON, CoverageSpan, SecondRange } from './engine/coverage/CoverageLedger.js';
export { defaultIsSettled } from './engine/defaultIsSettled.js';
export { classifyCall } from './engine/classifyCall.js';
export { applyFingerprint, changedFields, fingerprint } from './engine/fingerprint.js';
export type { CallCompletedEvent, CallFailedEvent, CallHint, CallStreamEvent, CallUpdate, CallUpdatedEvent, EmittedState, SettleContext } from './engine/types.js';
export { HintQueue } from './engine/HintQueue.js';
export type { HintQueueOptions } from './engine/HintQueue.js';

// --- exotel/: the API boundary -------------------------------------------------------------------
export { ExotelClient } from './exotel/ExotelClient.js';
export { ApiClock } from './exotel/ApiClock.js';
export type { ApiClockOptions, ClockJump } from './exotel/ApiClock.js';
export type { ExotelClientOptions, ListAllOptions, RequestOptions } from './exotel/clientOptions.js';
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

// --- sinks/: where events go (signed webhooks, NDJSON files, Redis Streams) -------------------
export { createWebhookForwarder, WebhookForwarder } from './sinks/createWebhookForwarder.js';
export type { WebhookForwarderOptions } from './sinks/createWebhookForwarder.js';
export { signWebhook } from './sinks/signWebhook.js';
export type { SignWebhookOptions, WebhookSignatureHeaders } from './sinks/signWebhook.js';
export { verifyWebhookSignature } from './sinks/verifyWebhookSignature.js';
export type { VerifyWebhookResult, VerifyWebhookSignatureOptions } from './sinks/verifyWebhookSignature.js';
export type { WebhookSecret } from './sinks/webhookSecret.js';
export { ndjsonFileSink, NdjsonFileSink } from './sinks/ndjsonFileSink.js';
export type { NdjsonFileSinkOptions, NdjsonRotateOptions } from './sinks/ndjsonFileSink.js';
export { redisStreamSink, RedisStreamSink } from './sinks/redisStreamSink.js';
export type { RedisStreamSinkOptions } from './sinks/redisStreamSink.js';
export { redisStreamOutbox, RedisStreamOutbox } from './sinks/RedisStreamOutbox.js';
export type { RedisStreamOutboxOptions } from './sinks/RedisStreamOutbox.js';
export type { RedisCommands } from './sinks/RedisCommands.js';
export { FileOutbox } from './sinks/FileOutbox.js';
export type { FileOutboxOptions } from './sinks/FileOutbox.js';
export { OutboxCorruptError } from './sinks/OutboxCorruptError.js';
export type { Outbox, OutboxEntry } from './sinks/Outbox.js';
export { eventBody } from './sinks/eventBody.js';
export type { EventBody, EventBodyCall } from './sinks/eventBody.js';
export { idempotencyKey } from './sinks/idempotencyKey.js';
export type { DeliveryContext, RetryOptions, Sink, SinkClock, SinkEvents } from './sinks/types.js';

// --- hints/: Exotel's StatusCallbacks as hints for a stream ----------------------------------------
export { createStatusCallbackHandler } from './hints/createStatusCallbackHandler.js';
export { fastifyStatusCallbacks } from './hints/fastifyStatusCallbacks.js';
export type { FastifyInstanceLike, FastifyStatusCallbacksOptions } from './hints/fastifyStatusCallbacks.js';
export { parseStatusCallback } from './hints/parseStatusCallback.js';
export type { ParsedStatusCallback, ParseStatusCallbackOptions } from './hints/parseStatusCallback.js';
export type { HintTarget, StatusCallbackHandler, StatusCallbackHandlerOptions, StatusCallbackRejectReason, StatusCallbackResult, StatusCallbackStats } from './hints/types.js';

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
