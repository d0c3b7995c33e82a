export type { BusMessage, MessageBus, MessageHandler, ReceivedMessage, SubscribeOptions, Subscription } from './message-bus';
export { PermanentMessageError, isPermanentMessageError } from './messaging.errors';
export { DeadLetterHeaders, deadLetterFor } from './dead-letter';
export { DEFAULT_RETRY_POLICY, backoffDelay, type RetryPolicy } from './retry-policy';
export { KafkaMessageBus, type KafkaMessageBusOptions } from './kafka-message-bus';
export type { KafkaConsumerTuning } from './kafka-subscription';
export { InProcessMessageBus, type InProcessMessageBusOptions } from './in-process-message-bus';
export { IdempotentConsumer, type HandleOutcome } from './idempotent-consumer';
export { idempotentConsumerMigrations } from './idempotent-consumer.migrations';
