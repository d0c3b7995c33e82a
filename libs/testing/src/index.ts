export * from './expect-eventually';
export * from './real-stack';
export * from './identity/test-identity-provider';
export * from './airlock-client';
export * from './service-processes';
export * from './service-environment';
export * from './airlock-cluster';
export * from './tcp-balancer';
