export * from './csrf';
export * from './oidc-client';
export * from './sealed-cookie';
export * from './web';
export * from './web-options';
export * from './multipart';
export * from './plain-words';
