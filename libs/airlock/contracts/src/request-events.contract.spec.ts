import { REQUEST_EVENT_TYPES } from '@airlock/domain';
import { parseEnvelope, MalformedEnvelopeError } from './envelope.parse';
import { requestEnvelope, toDomainEvent, wireType } from './request-events.contract';

describe('request event contract', () => {
  it('names every event with a versioned, unique wire type', () => {
    const names = REQUEST_EVENT_TYPES.map(wireType);
    expect(new Set(names).size).toBe(names.length);
    expect(wireType('RequestSubmitted')).toBe('airlock.request.submitted.v1');
    expect(wireType('FileScanned')).toBe('airlock.request.file-scanned.v1');
  });
  it('round-trips a domain event through its envelope', () => {
    const event = { type: 'ReviewOpened' as const, data: { requestId: 'r', turn: 1, openedAt: 't' } };
    const envelope = requestEnvelope(event, 'r', {
      id: 'e1',
      source: '/airlock/test',
      time: 't',
      actor: { userId: 'u', roles: ['system'] },
      correlationId: 'c',
    });
    const parsed = parseEnvelope(JSON.stringify({ ...envelope, streamId: 'request-r', streamVersion: 3 }));
    expect(toDomainEvent(parsed)).toEqual(event);
  });
  it.each([
    ['not json', '{'],
    ['an array', '[]'],
    [
      'no id',
      JSON.stringify({
        specversion: '1.0',
        source: 's',
        type: 't',
        subject: 's',
        time: 't',
        streamId: 's',
        streamVersion: 1,
        correlationId: 'c',
        actor: { userId: 'u', roles: [] },
        data: {},
      }),
    ],
    [
      'no actor',
      JSON.stringify({
        specversion: '1.0',
        id: 'i',
        source: 's',
        type: 't',
        subject: 's',
        time: 't',
        streamId: 's',
        streamVersion: 1,
        correlationId: 'c',
        data: {},
      }),
    ],
  ])('refuses %s as a malformed envelope', (_name, raw) => {
    expect(() => parseEnvelope(raw)).toThrow(MalformedEnvelopeError);
  });
});
