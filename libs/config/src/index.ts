export * from './config';
export * from './shutdown';
export * from './logger';
