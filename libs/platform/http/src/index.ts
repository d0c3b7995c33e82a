export * from './problem';
export * from './problem.filter';
export * from './auth.guard';
export * from './observability';
export * from './http-service';
export * from './request-input';
export * from './openapi';
export * from './openapi-schemas';
