import { isPermanentMessageError, type IdempotentConsumer, type ReceivedMessage } from '@airlock/messaging';
import { envelopeOf, onceForEvents } from './event-handler';

const envelope = (type: string) => ({
  specversion: '1.0',
  id: `e-${type}`,
  source: '/airlock/test',
  type,
  subject: 'r1',
  time: '2026-12-07T00:00:00.000Z',
  streamId: 'request-r1',
  streamVersion: 1,
  correlationId: 'c1',
  actor: { userId: 'u1', roles: ['researcher'] },
  data: {},
});

const message = (type: string, headers?: Record<string, string>): ReceivedMessage => ({
  topic: 'airlock.request-events.v1',
  partition: 0,
  offset: '7',
  key: 'r1',
  value: JSON.stringify(envelope(type)),
  ...(headers && { headers }),
});

// Runs each effect at once, as a consumer that has seen no event id before.
const everyTime: IdempotentConsumer = { handle: async (_id: string, effect: () => Promise<void>) => effect() } as unknown as IdempotentConsumer;

describe('envelopeOf', () => {
  it('reads an envelope whose ce_type header names its own type, or that has no such header', () => {
    expect(envelopeOf(message('airlock.request.submitted.v1', { ce_type: 'airlock.request.submitted.v1' })).type).toBe('airlock.request.submitted.v1');
    expect(envelopeOf(message('airlock.request.submitted.v1')).type).toBe('airlock.request.submitted.v1');
  });

  it('dead-letters a message whose ce_type header names another type than its envelope (groups skip by that header)', () => {
    const lying = message('airlock.request.submitted.v1', { ce_type: 'airlock.request.created.v1' });
    let thrown: unknown;
    try {
      envelopeOf(lying);
    } catch (error) {
      thrown = error;
    }
    expect(isPermanentMessageError(thrown)).toBe(true);
    expect((thrown as Error).message).toContain('disagrees');
  });

  it('dead-letters a message that is not an envelope', () => {
    let thrown: unknown;
    try {
      envelopeOf({ ...message('t'), value: '{' });
    } catch (error) {
      thrown = error;
    }
    expect(isPermanentMessageError(thrown)).toBe(true);
  });
});

describe('onceForEvents', () => {
  it('runs the effect for the wanted types only, and refuses a header that disagrees with the envelope before any effect', async () => {
    const seen: string[] = [];
    const handler = onceForEvents(['airlock.request.submitted.v1'], everyTime, async (e) => void seen.push(e.type));
    await handler(message('airlock.request.created.v1'));
    await handler(message('airlock.request.submitted.v1', { ce_type: 'airlock.request.submitted.v1' }));
    await expect(handler(message('airlock.request.submitted.v1', { ce_type: 'airlock.request.created.v1' }))).rejects.toThrow('disagrees');
    expect(seen).toEqual(['airlock.request.submitted.v1']);
  });
});
