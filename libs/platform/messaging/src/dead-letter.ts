import { Topics } from '@airlock/contracts';
import type { BusMessage, ReceivedMessage } from './message-bus';

export const DeadLetterHeaders = {
  errorName: 'dlq-error-name',
  errorMessage: 'dlq-error-message',
  originTopic: 'dlq-origin-topic',
  originPartition: 'dlq-origin-partition',
  originOffset: 'dlq-origin-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

/** The original key, value and headers, plus headers saying who gave up on it and why. */
export function deadLetterFor(message: ReceivedMessage, error: unknown, groupId: string, now: Date): BusMessage {
  const { name, message: text } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  return {
    topic: Topics.deadLetters,
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DeadLetterHeaders.errorName]: name,
      [DeadLetterHeaders.errorMessage]: text,
      [DeadLetterHeaders.originTopic]: message.topic,
      [DeadLetterHeaders.originPartition]: String(message.partition),
      [DeadLetterHeaders.originOffset]: message.offset,
      [DeadLetterHeaders.consumerGroup]: groupId,
      [DeadLetterHeaders.failedAt]: now.toISOString(),
    },
  };
}
