export * from './airlock-config';
