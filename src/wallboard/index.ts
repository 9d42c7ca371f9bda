// The wallboard's public surface, listed by name for the package barrel.
export { createWallboardServer } from './createWallboardServer.js';
export type { WallboardServer, WallboardServerOptions, WallboardSource } from './createWallboardServer.js';
export { WallboardAggregates } from './WallboardAggregates.js';
export type { WallboardAggregatesOptions } from './WallboardAggregates.js';
export { toBoardCall } from './boardCall.js';
export type { BoardCall, BoardEvent, FeedStatus, MinuteBar, PeriodTotals, WallboardSnapshot, WallboardStats } from './types.js';
