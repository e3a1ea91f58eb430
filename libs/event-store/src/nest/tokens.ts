/** Injection tokens of the event-store module: apps ask for ports, never for an adapter. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
export const PROCESSOR_RUNNER = Symbol('PROCESSOR_RUNNER');
export const MONGO_CLIENT = Symbol('MONGO_CLIENT');
/** The pg Pool shared by the PostgreSQL stores (undefined when none is configured). */
export const POSTGRES_POOL = Symbol('POSTGRES_POOL');
/** The lease that keeps one active instance per processor. */
export const PROCESSOR_LEASE = Symbol('PROCESSOR_LEASE');
/** Where runners publish their processors' state (undefined for the embedded default). */
export const STATUS_BOARD = Symbol('STATUS_BOARD');
