export * from './expect-eventually';
export * from './real-stack';
