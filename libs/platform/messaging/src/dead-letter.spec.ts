import { Topics } from '@airlock/contracts';
import { DeadLetterHeaders, deadLetterFor } from './dead-letter';
import { PermanentMessageError, isPermanentMessageError } from './messaging.errors';

describe('dead letters', () => {
  const original = { topic: 'airlock.request-events.v1', key: 'request-1', value: '{}', headers: { trace: 't' }, partition: 2, offset: '17' };

  it('keep the original message and name the error, the origin and the group', () => {
    const letter = deadLetterFor(original, new PermanentMessageError('bad schema'), 'audit', new Date('2026-01-01T00:00:00Z'));
    expect(letter).toEqual({
      topic: Topics.deadLetters,
      key: 'request-1',
      value: '{}',
      headers: {
        trace: 't',
        [DeadLetterHeaders.errorName]: 'PermanentMessageError',
        [DeadLetterHeaders.errorMessage]: 'bad schema',
        [DeadLetterHeaders.originTopic]: 'airlock.request-events.v1',
        [DeadLetterHeaders.originPartition]: '2',
        [DeadLetterHeaders.originOffset]: '17',
        [DeadLetterHeaders.consumerGroup]: 'audit',
        [DeadLetterHeaders.failedAt]: '2026-01-01T00:00:00.000Z',
      },
    });
  });

  it('recognise a permanent error only when it says so', () => {
    expect(isPermanentMessageError(new PermanentMessageError('x'))).toBe(true);
    expect(isPermanentMessageError(Object.assign(new Error('from another copy of the module'), { permanent: true }))).toBe(true);
    expect(isPermanentMessageError(new Error('timeout'))).toBe(false);
  });
});
