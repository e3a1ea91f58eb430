/** Injection tokens of the event-store module: apps ask for ports, never for an adapter. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
export const PROCESSOR_RUNNER = Symbol('PROCESSOR_RUNNER');
export const MONGO_CLIENT = Symbol('MONGO_CLIENT');
