import { DatabaseUnavailableError, isConnectionFailure, toDatabaseError } from './database.errors';

describe('connection failures', () => {
  it.each([
    ['a refused connect', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:55432' }],
    ['an admin shutdown', { code: '57P01', message: 'terminating connection due to administrator command' }],
    ['a server still starting', { code: '57P03', message: 'the database system is starting up' }],
    ['a connection exception', { code: '08006', message: 'connection failure' }],
    ['a dropped socket', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    ['every address refused', { errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }], message: '' }],
  ])('treats %s as the database being unavailable', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(true);
    expect(toDatabaseError(error)).toBeInstanceOf(DatabaseUnavailableError);
  });

  it.each([
    ['a unique violation', { code: '23505', message: 'duplicate key value violates unique constraint' }],
    ['a syntax error', { code: '42601', message: 'syntax error at or near "SELEC"' }],
    ['a plain string', 'boom'],
  ])('passes %s through unchanged', (_name, error) => {
    expect(isConnectionFailure(error)).toBe(false);
    expect(toDatabaseError(error)).toBe(error);
  });
});
