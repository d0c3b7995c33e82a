export * from './expect-eventually';
export * from './real-stack';
export * from './identity/test-identity-provider';
