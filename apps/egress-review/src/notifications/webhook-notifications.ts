import type { AirlockConfig } from '@airlock/config';
import { Topics } from '@airlock/contracts';
import { IdempotentConsumer, type Subscription } from '@airlock/messaging';
import type { RequestCommandHandler } from '@airlock/application';
import type { Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { WebhookNotifier } from './webhook-notifier';
import { WebhookSender } from './webhook-sender';

export const WEBHOOK_GROUP = 'airlock.egress-review.webhooks';

/** Starts the webhook sender when AIRLOCK_WEBHOOK_URLS is set; nothing otherwise. */
export async function startWebhookNotifications(infra: Infra, config: AirlockConfig, requests: RequestCommandHandler, logger: Logger): Promise<Subscription | undefined> {
  const { urls, secret, maxAttempts, timeoutMs, backoff } = config.webhooks;
  if (urls.length === 0 || !secret) return undefined;
  const sender = new WebhookSender({ urls, secret, maxAttempts, timeoutMs, backoff });
  const notifier = new WebhookNotifier(requests, sender, new IdempotentConsumer(infra.db, WEBHOOK_GROUP), infra.accessLog, logger);
  logger.info({ endpoints: urls.length, maxAttempts }, 'webhook notifications on');
  // From now on only: a new group must not send a notification for every event ever published.
  return infra.bus.subscribe({ groupId: WEBHOOK_GROUP, topics: [Topics.requestEvents], fromBeginning: false, handler: (m) => notifier.onMessage(m) });
}
