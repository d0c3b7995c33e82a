export * from './identity/actor';
export * from './request/request.events';
export * from './request/request.commands';
export * from './request/request.errors';
export * from './request/request.state';
export * from './request/request.decide';
export * from './request/request.actions';
