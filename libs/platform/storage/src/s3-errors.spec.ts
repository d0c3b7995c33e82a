import { isS3NotFound, isS3Unavailable, toStorageError } from './s3-errors';
import { ObjectTooLargeError, StorageUnavailableError } from './storage.errors';

const withCode = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:9000`), { code });

describe('classifying S3 failures', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset', withCode('ECONNRESET')],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['a 503', Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } })],
    ['a 500', Object.assign(new Error('boom'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } })],
    ['a dual-stack AggregateError', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed')],
    ['a wrapped cause', new Error('outer', { cause: withCode('ETIMEDOUT') })],
    ['an SDK-rewrapped message', new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9000')],
  ])('treats %s as unavailable (retry, fail closed)', (_name, error) => {
    expect(isS3Unavailable(error)).toBe(true);
    expect(toStorageError(error, 'testing')).toBeInstanceOf(StorageUnavailableError);
  });

  it.each([
    ['access denied', Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })],
    ['a bad request', Object.assign(new Error('bad'), { name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } })],
  ])('passes %s on unchanged: retrying would not help', (_name, error) => {
    expect(isS3Unavailable(error)).toBe(false);
    expect(toStorageError(error, 'testing')).toBe(error);
  });

  it('keeps our own coded errors as they are', () => {
    const error = new ObjectTooLargeError(10);
    expect(toStorageError(error, 'testing')).toBe(error);
  });

  it.each([Object.assign(new Error('x'), { name: 'NoSuchKey' }), Object.assign(new Error('x'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } })])(
    'recognises not found: %p',
    (error) => {
      expect(isS3NotFound(error)).toBe(true);
    },
  );
});
