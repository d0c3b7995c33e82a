export * from './auth.config';
export * from './auth.errors';
export * from './authorization-header.parser';
export * from './dev-identity-provider';
export * from './jwt-token-verifier';
export * from './token-claims.mapper';
export * from './pkce';
export * from './authorization-codes';
