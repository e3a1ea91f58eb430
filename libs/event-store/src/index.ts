export * from './event-store.port';
export * from './checkpoints/checkpoint-store.port';
export * from './processors/processor-runner';
export * from './processors/parked-events';
export * from './fault-injection';
export * from './generational-cache';
