import { createHash } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { backoffDelay, type RetryPolicy } from '@airlock/messaging';
import type { WebhookNotification } from './notification';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature';

export type WebhookSenderOptions = {
  urls: readonly string[];
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
  backoff: RetryPolicy;
  /** Seams for tests: the clock for the signed timestamp, and the wait between attempts. */
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
};

export type DeliveryResult = {
  /** Where, without path or query: webhook URLs often carry a token (Slack, Teams). */
  endpoint: string;
  /** A short hash of the full URL, to tell endpoints on one host apart in logs. */
  endpointId: string;
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
};

// Worth another try: the receiver was slow, overloaded or down. Anything else (a 4xx, a redirect)
// will answer the same way next time.
const retriable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/** Retry-After in seconds, if the receiver sent one we can honour within the back-off cap. */
function retryAfterMs(response: Response, cap: number): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value) * 1000, cap);
}

export function describeEndpoint(url: string): Pick<DeliveryResult, 'endpoint' | 'endpointId'> {
  return { endpoint: new URL(url).origin, endpointId: createHash('sha256').update(url).digest('hex').slice(0, 12) };
}

/**
 * POSTs a notification as JSON to every configured URL, signed over the exact bytes sent, each
 * URL on its own: up to `maxAttempts` tries with capped exponential back-off, then given up and
 * reported as failed. Never throws for a receiver's failure.
 */
export class WebhookSender {
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: WebhookSenderOptions) {
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms));
  }

  get endpoints(): number {
    return this.options.urls.length;
  }

  async deliver(notification: WebhookNotification): Promise<DeliveryResult[]> {
    const body = JSON.stringify(notification);
    return Promise.all(this.options.urls.map((url) => this.deliverTo(url, body, notification)));
  }

  private async deliverTo(url: string, body: string, notification: WebhookNotification): Promise<DeliveryResult> {
    const where = describeEndpoint(url);
    let last: Pick<DeliveryResult, 'status' | 'error'> = {};
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt += 1) {
      let wait = backoffDelay(attempt, this.options.backoff);
      try {
        const response = await this.post(url, body, notification, attempt);
        // The answer's body is of no use to us; read it so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return { ...where, delivered: true, attempts: attempt, status: response.status };
        last = { status: response.status };
        if (!retriable(response.status)) return { ...where, delivered: false, attempts: attempt, ...last };
        wait = retryAfterMs(response, this.options.backoff.maxMs) ?? wait;
      } catch (error) {
        last = { error: (error as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (error as Error).message };
      }
      if (attempt < this.options.maxAttempts) await this.sleep(wait);
    }
    return { ...where, delivered: false, attempts: this.options.maxAttempts, ...last };
  }

  private post(url: string, body: string, notification: WebhookNotification, attempt: number): Promise<Response> {
    // Signed afresh on each attempt: the timestamp is when this request left, not the first one.
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    return fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'airlock-webhooks/1',
        'x-airlock-event': notification.type,
        'x-airlock-delivery': notification.id,
        'x-airlock-attempt': String(attempt),
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signWebhook(this.options.secret, timestamp, body),
      },
      body,
    });
  }
}
