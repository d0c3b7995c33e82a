export * from './envelope';
export * from './envelope.parse';
export * from './topics';
export * from './request-events.contract';
export * from './registry-events.contract';
