import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { AirlockConfig } from '@airlock/config';
import { Topics } from '@airlock/contracts';
import { BusEventPattern, IdempotentConsumer, type ReceivedMessage } from '@airlock/messaging';
import type { RequestCommandHandler } from '@airlock/application';
import type { Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { NOTABLE_WIRE_TYPES } from './notification';
import { WebhookNotifier } from './webhook-notifier';
import { WebhookSender } from './webhook-sender';

export const WEBHOOK_GROUP = 'airlock.egress-review.webhooks';

/** The consumer group that sends webhooks; the notifier does the work. */
@Controller()
export class WebhookEvents {
  constructor(@Inject(WebhookNotifier) private readonly notifier: WebhookNotifier) {}

  // From now on only: a new group must not send a notification for every event ever published.
  @BusEventPattern({ group: WEBHOOK_GROUP, topics: [Topics.requestEvents], fromBeginning: false, eventTypes: NOTABLE_WIRE_TYPES })
  onRequestEvent(@Payload() message: ReceivedMessage): Promise<void> {
    return this.notifier.onMessage(message);
  }
}

@Module({})
export class WebhookNotificationsModule {
  static forRoot(notifier: WebhookNotifier): DynamicModule {
    return { module: WebhookNotificationsModule, controllers: [WebhookEvents], providers: [{ provide: WebhookNotifier, useValue: notifier }] };
  }
}

/**
 * The webhook sender's module (served by MessageBusTransport) when AIRLOCK_WEBHOOK_URLS is set;
 * nothing otherwise.
 */
export function webhookNotifications(infra: Infra, config: AirlockConfig, requests: RequestCommandHandler, logger: Logger): DynamicModule | undefined {
  const { urls, secret, maxAttempts, timeoutMs, backoff } = config.webhooks;
  if (urls.length === 0 || !secret) return undefined;
  const sender = new WebhookSender({ urls, secret, maxAttempts, timeoutMs, backoff });
  const notifier = new WebhookNotifier(requests, sender, new IdempotentConsumer(infra.db, WEBHOOK_GROUP), infra.accessLog, logger);
  logger.info({ endpoints: urls.length, maxAttempts }, 'webhook notifications on');
  return WebhookNotificationsModule.forRoot(notifier);
}
