import { signWebhook, verifyWebhook } from './webhook-signature';

const SECRET = 'whsec-test-0123456789';
const BODY = '{"id":"e1","type":"request.approved"}';
const SENT_AT = '1700000000';
const at = (secondsAfter: number) => new Date((Number(SENT_AT) + secondsAfter) * 1000);

describe('webhook signature', () => {
  it('is HMAC-SHA256 over "<timestamp>.<body>", as `openssl dgst -sha256 -hmac` computes it', () => {
    expect(signWebhook(SECRET, SENT_AT, BODY)).toBe('sha256=32d640342334ba6ce6d3c05b57989742a9bbfae93e188f7ac92fa1eba4477e77');
  });

  it('verifies the exact bytes sent, within the tolerance', () => {
    const signature = signWebhook(SECRET, SENT_AT, BODY);
    expect(verifyWebhook({ secret: SECRET, body: BODY, signature, timestamp: SENT_AT, now: at(10) })).toEqual({ valid: true });
    expect(verifyWebhook({ secret: SECRET, body: Buffer.from(BODY), signature, timestamp: SENT_AT, now: at(-10) })).toEqual({ valid: true });
  });

  it.each([
    ['a changed body', { body: BODY.replace('approved', 'released') }, 'MISMATCH'],
    ['re-serialised JSON', { body: JSON.stringify(JSON.parse(BODY), null, 1) }, 'MISMATCH'],
    ['another secret', { secret: 'someone-elses-secret' }, 'MISMATCH'],
    ['a replay with a fresh timestamp', { timestamp: String(Number(SENT_AT) + 600), now: at(600) }, 'MISMATCH'],
    ['a replay after the tolerance', { now: at(301) }, 'STALE'],
    ['a timestamp from the future', { now: at(-301) }, 'STALE'],
    ['no signature', { signature: undefined }, 'MISSING'],
    ['no timestamp', { timestamp: undefined }, 'MISSING'],
    ['another scheme', { signature: `sha1=${'0'.repeat(40)}` }, 'MALFORMED'],
    ['a short digest', { signature: 'sha256=abcd' }, 'MALFORMED'],
    ['a timestamp that is not a number', { timestamp: '2023-11-14T22:13:20Z' }, 'MALFORMED'],
  ])('refuses %s', (_name, change, reason) => {
    const input = {
      secret: SECRET,
      body: BODY,
      signature: signWebhook(SECRET, SENT_AT, BODY) as string | undefined,
      timestamp: SENT_AT as string | undefined,
      now: at(1),
      ...change,
    };
    expect(verifyWebhook(input)).toEqual({ valid: false, reason });
  });
});
