export * from './infra';
export * from './service-process';
export { PeriodicJob } from './periodic-job';
