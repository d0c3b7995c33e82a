import type { WebhookNotification } from './notification';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.fixture';
import { WebhookSender, type WebhookSenderOptions } from './webhook-sender';

// The sender against a real HTTP server on this machine that verifies every signature.
const SECRET = 'whsec-integration-0123456789';
const notification: WebhookNotification = {
  id: '5b0e7c1e-1d6b-4f7e-9a51-2f1c3c9d0e11',
  type: 'request.approved',
  schemaVersion: 1,
  occurredAt: '2026-11-28T12:00:00.000Z',
  request: { requestId: '0d6c1f3e-6a51-4d55-9d1f-1c1b1f9b6a01', projectId: 'proj-1', authorId: 'alice', turn: 2, status: 'approved' },
};

let receivers: WebhookReceiver[] = [];
const receiver = async () => {
  const r = await startWebhookReceiver(SECRET);
  receivers.push(r);
  return r;
};
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

/** A sender with short real waits, recording each wait it asks for. */
function sender(urls: string[], options: Partial<WebhookSenderOptions> = {}) {
  const waits: number[] = [];
  const sleep = (ms: number) => {
    waits.push(ms);
    return new Promise<void>((resolve) => setTimeout(resolve, ms));
  };
  const instance = new WebhookSender({ urls, secret: SECRET, maxAttempts: 5, timeoutMs: 2000, backoff: { initialMs: 10, maxMs: 40 }, sleep, ...options });
  return { instance, waits };
}

describe('webhook sender, against a real HTTP receiver', () => {
  it('delivers a signed JSON notification the receiver can verify', async () => {
    const hook = await receiver();
    const { instance } = sender([hook.url]);
    const [result] = await instance.deliver(notification);
    expect(result).toMatchObject({ delivered: true, attempts: 1, status: 200, endpoint: new URL(hook.url).origin });
    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    expect(request.check).toEqual({ valid: true });
    expect(JSON.parse(request.body)).toEqual(notification);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-airlock-event': 'request.approved',
      'x-airlock-delivery': notification.id,
      'x-airlock-attempt': '1',
      'x-airlock-signature': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
      'x-airlock-timestamp': expect.stringMatching(/^\d+$/),
    });
  });

  it('retries a receiver that fails the first times, with capped exponential back-off, then delivers', async () => {
    const hook = await receiver();
    hook.answer(503, 500, 502, 200);
    const { instance, waits } = sender([hook.url]);
    const [result] = await instance.deliver(notification);
    expect(result).toMatchObject({ delivered: true, attempts: 4, status: 200 });
    expect(waits).toEqual([10, 20, 40]);
    expect(hook.received.map((r) => r.headers['x-airlock-attempt'])).toEqual(['1', '2', '3', '4']);
    // Every attempt is signed and verifiable; the body and the delivery id never change.
    expect(hook.received.every((r) => r.check.valid && r.body === hook.received[0].body && r.headers['x-airlock-delivery'] === notification.id)).toBe(true);
  });

  it('gives up after the bounded number of attempts and reports the last answer', async () => {
    const hook = await receiver();
    hook.answer(503);
    const { instance, waits } = sender([hook.url], { maxAttempts: 4 });
    const [result] = await instance.deliver(notification);
    expect(result).toMatchObject({ delivered: false, attempts: 4, status: 503 });
    expect(hook.received).toHaveLength(4);
    expect(waits).toEqual([10, 20, 40]);
  });

  it('does not retry an answer that will not change (a 4xx other than 408/425/429)', async () => {
    const hook = await receiver();
    hook.answer(422);
    const [result] = await sender([hook.url]).instance.deliver(notification);
    expect(result).toMatchObject({ delivered: false, attempts: 1, status: 422 });
  });

  it('is refused by a receiver holding another secret, and does not retry that', async () => {
    const stranger = await startWebhookReceiver('not-the-shared-secret');
    receivers.push(stranger);
    const [result] = await sender([stranger.url]).instance.deliver(notification);
    expect(stranger.received[0].check).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(result).toMatchObject({ delivered: false, attempts: 1, status: 401 });
  });

  it('times out a receiver that does not answer, and tries again', async () => {
    const hook = await receiver();
    hook.answer('hang', 200);
    const [result] = await sender([hook.url], { timeoutMs: 300 }).instance.deliver(notification);
    expect(result).toMatchObject({ delivered: true, attempts: 2 });
  });

  it('honours Retry-After within the back-off cap', async () => {
    const hook = await receiver();
    hook.answer({ status: 429, retryAfter: 0 }, { status: 503, retryAfter: 120 }, 200);
    const { instance, waits } = sender([hook.url]);
    expect((await instance.deliver(notification))[0]).toMatchObject({ delivered: true, attempts: 3 });
    expect(waits).toEqual([0, 40]);
  });

  it('delivers to each URL on its own, and keeps tokens in URLs out of its reports', async () => {
    const good = await receiver();
    const down = 'http://127.0.0.1:9/hooks/T0K3N-in-the-path';
    const results = await sender([good.url, down], { maxAttempts: 2 }).instance.deliver(notification);
    expect(results).toEqual([
      expect.objectContaining({ delivered: true, attempts: 1 }),
      expect.objectContaining({ delivered: false, attempts: 2, endpoint: 'http://127.0.0.1:9', error: expect.any(String) }),
    ]);
    expect(JSON.stringify(results)).not.toContain('T0K3N');
  });
});
