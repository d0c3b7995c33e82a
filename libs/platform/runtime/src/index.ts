export * from './infra';
export * from './request-command.handler';
export * from './request.view';
export * from './service-process';
export * from './registry.handler';
export * from './event-handler';
export { PeriodicJob } from './periodic-job';
