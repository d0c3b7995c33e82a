// Kafka topic names. Request events share one topic keyed by request id so that one request's
// events keep their order on one partition; the audit topic is the security team's product.
export const Topics = {
  requestEvents: 'airlock.request-events.v1',
  registryEvents: 'airlock.registry-events.v1',
  accessEvents: 'airlock.access-events.v1',
  audit: 'airlock.audit.v1',
  deadLetters: 'airlock.dead-letters.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Every topic the audit service records. */
export const AUDITED_TOPICS: readonly TopicName[] = [Topics.requestEvents, Topics.registryEvents, Topics.accessEvents];
