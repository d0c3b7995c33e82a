export * from './request-command.handler';
export * from './request.view';
export * from './registry.handler';
export * from './event-handler';
export * from './stream-command.handler';
