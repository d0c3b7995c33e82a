import { createHmac, timingSafeEqual } from 'node:crypto';

// Webhook signatures: HMAC-SHA256 with the shared secret over `<timestamp>.<exact body>`. The
// timestamp is inside the signed string, so a captured request cannot be replayed later with a
// fresh timestamp, and receivers refuse timestamps outside a few minutes (as Stripe and Slack do).

export const SIGNATURE_HEADER = 'x-airlock-signature';
export const TIMESTAMP_HEADER = 'x-airlock-timestamp';
export const DEFAULT_TOLERANCE_SECONDS = 300;
const PREFIX = 'sha256=';

const mac = (secret: string, timestamp: string, body: string | Buffer) => createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** `sha256=<hex>` for the header; `timestamp` is Unix seconds as sent in the timestamp header. */
export function signWebhook(secret: string, timestamp: string, body: string | Buffer): string {
  return `${PREFIX}${mac(secret, timestamp, body)}`;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: 'MISSING' | 'MALFORMED' | 'STALE' | 'MISMATCH' };

/** What a receiver runs on each request, on the raw body bytes before any JSON parsing. */
export function verifyWebhook(input: {
  secret: string;
  body: string | Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now?: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { secret, body, signature, timestamp, now = new Date(), toleranceSeconds = DEFAULT_TOLERANCE_SECONDS } = input;
  if (!signature || !timestamp) return { valid: false, reason: 'MISSING' };
  if (!/^\d{1,12}$/.test(timestamp) || !signature.startsWith(PREFIX) || !/^[0-9a-f]{64}$/.test(signature.slice(PREFIX.length))) {
    return { valid: false, reason: 'MALFORMED' };
  }
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return { valid: false, reason: 'STALE' };
  const expected = Buffer.from(mac(secret, timestamp, body), 'hex');
  // Constant time: the comparison must not tell an attacker how many leading bytes were right.
  return timingSafeEqual(expected, Buffer.from(signature.slice(PREFIX.length), 'hex')) ? { valid: true } : { valid: false, reason: 'MISMATCH' };
}
