export type BusMessage = { topic: string; key: string; value: string; headers?: Record<string, string> };

export type ReceivedMessage = BusMessage & { partition: number; offset: string };

/** Resolve to acknowledge; throw to have the message redelivered (or PermanentMessageError to dead-letter it). */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

export type Subscription = { stop(): Promise<void> };

/** Messages published to `topic` that consumer group `groupId` has not yet committed. */
export type ConsumerLag = { groupId: string; topic: string; lag: number };

export type SubscribeOptions = {
  groupId: string;
  topics: string[];
  /** A new group starts at the oldest message instead of the next one published. */
  fromBeginning?: boolean;
  /**
   * The CloudEvents types (`ce_type` header) this group acts on. A message whose header names
   * another type is acknowledged without calling the handler (no parse, no span, no idempotency
   * record); one without the header always reaches it. Omitted: every message.
   */
  eventTypes?: readonly string[];
  handler: MessageHandler;
};

/**
 * At-least-once delivery in per-key order. Members of one group share the topics' partitions; a
 * partition whose handler fails waits and retries (fail closed), nothing behind it is skipped.
 */
export type MessageBus = {
  /** Resolves once the broker has acknowledged every message. */
  publish(messages: BusMessage[]): Promise<void>;
  /** Resolves once the consumer has joined its group and been assigned partitions. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
  /** Lag of every group this bus has subscribed, for the `airlock_consumer_lag` gauge. */
  consumerLag?(): Promise<ConsumerLag[]>;
};
