import type { AccessRecorder } from '@airlock/access-log';
import type { EventEnvelope } from '@airlock/contracts';
import { PermanentMessageError, type IdempotentConsumer, type ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type RequestCommandHandler } from '@airlock/application';
import type { Logger } from 'pino';
import { NOTABLE_WIRE_TYPES, notificationFor, type WebhookNotification } from './notification';
import type { DeliveryResult, WebhookSender } from './webhook-sender';

/**
 * Sends a webhook for each notable request event, once per event id (its own consumer group and
 * idempotent consumer). A delivery that exhausts its attempts is given up, logged, and recorded as
 * a failed `notification.webhook` act in the audit trail; it never holds up the partition for good.
 * A crash after a POST and before the event is recorded sends it again: receivers drop duplicates
 * by the `X-Airlock-Delivery` id.
 */
export class WebhookNotifier {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly sender: WebhookSender,
    private readonly consumer: IdempotentConsumer,
    private readonly accessLog: AccessRecorder,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents(NOTABLE_WIRE_TYPES, this.consumer, async (e) => {
      await this.notify(e);
    })(message);
  }

  async notify(envelope: EventEnvelope): Promise<DeliveryResult[]> {
    const { state } = await this.requests.load(envelope.subject).catch((error: unknown) => {
      // Events of an older shape that today's fold cannot read: no retry will ever read them.
      if (error instanceof TypeError) throw new PermanentMessageError(`stream of ${envelope.subject} cannot be read: ${error.message}`, { cause: error });
      throw error;
    });
    const notification = state.status === 'none' ? undefined : notificationFor(envelope, state);
    if (!notification) return [];
    const results = await this.sender.deliver(notification);
    for (const result of results) {
      if (result.delivered) this.logger.info({ notificationId: notification.id, type: notification.type, ...result }, 'webhook delivered');
      else await this.failed(notification, result, envelope.correlationId);
    }
    return results;
  }

  private async failed(notification: WebhookNotification, result: DeliveryResult, correlationId: string): Promise<void> {
    const { requestId, projectId } = notification.request;
    this.logger.error({ notificationId: notification.id, type: notification.type, requestId, ...result }, 'webhook notification failed');
    await this.accessLog.record({
      kind: 'adminAction',
      actor: { userId: 'system', roles: ['system'] },
      action: 'notification.webhook',
      outcome: 'failed',
      reasonCode: 'WEBHOOK_DELIVERY_FAILED',
      requestId,
      projectId,
      details: {
        notificationId: notification.id,
        notificationType: notification.type,
        endpoint: result.endpoint,
        endpointId: result.endpointId,
        attempts: result.attempts,
        ...(result.status !== undefined ? { lastStatus: result.status } : {}),
        ...(result.error ? { lastError: result.error } : {}),
      },
      at: this.clock().toISOString(),
      correlationId,
    });
  }
}
