import type { Logger } from '@airlock/database';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { deadLetterFor } from './dead-letter';
import type { BusMessage, ReceivedMessage, SubscribeOptions, Subscription } from './message-bus';
import { isPermanentMessageError } from './messaging.errors';
import { backoffDelay, type RetryPolicy } from './retry-policy';

export type KafkaConsumerTuning = {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Longest fetch long-poll; also bounds how long `stop()` waits for an idle fetch. */
  maxWaitTimeMs: number;
  concurrentPartitions: number;
  /**
   * Keys handled at once within one partition's batch. A key's messages stay in order; messages
   * of different keys on one partition have no order between them (they could as well be on two
   * partitions), so they need not wait for each other. 1 = one message at a time.
   */
  concurrentKeys: number;
};

export type KafkaSubscriptionDeps = {
  retry: RetryPolicy;
  tuning: KafkaConsumerTuning;
  logger: Logger;
  publish(messages: BusMessage[]): Promise<void>;
  onStopped(subscription: KafkaSubscription): void;
};

type Outcome = { done: true } | { done: false; error: unknown };

/**
 * One group member. Each fetched batch is split into lanes by key: a lane runs its messages in
 * order, and up to `concurrentKeys` lanes run at once. The committed offset only moves past a
 * message once it and every message before it on the partition are done. A failed message stops
 * its lane, and the partition is fetched again from the first message not done after a back-off
 * (the partition waits; nothing behind it is skipped), while heartbeats and other partitions go on.
 * Messages of other keys that were already done when the batch is fetched again are not handled
 * a second time by this member.
 */
export class KafkaSubscription implements Subscription {
  private consumer: Consumer | undefined;
  private stopping = false;
  private crashes = 0;
  private readonly failures = new Map<string, number>();
  /** Messages done ahead of a failed one on their partition: skipped when fetched again. */
  private readonly doneAhead = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly deps: KafkaSubscriptionDeps,
  ) {}

  /** Resolves once the consumer has joined its group and received its assignment. */
  async start(): Promise<void> {
    const { sessionTimeoutMs, heartbeatIntervalMs, maxWaitTimeMs, concurrentPartitions } = this.deps.tuning;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: heartbeatIntervalMs,
      maxWaitTimeInMs: maxWaitTimeMs,
    });
    this.consumer = consumer;
    const joined = joinedGroup(consumer);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.crashes = 0;
      // Partitions may have moved: another member handles what it fetches, and so do we.
      this.doneAhead.clear();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
    await consumer.connect();
    // Where the group has committed nothing, start at the oldest message (see pinNewGroupToEnd).
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: concurrentPartitions,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(consumer, payload),
    });
    await joined;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    // Waits for a handler in flight; its offset is committed only if it completed.
    await this.consumer?.disconnect();
    this.deps.onStopped(this);
  }

  private async onBatch(consumer: Consumer, { batch, heartbeat, pause, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    if (batch.messages.length === 0) return;
    const messages = batch.messages.map((message) => toReceived(topic, partition, message));
    const done = new Set<string>();
    const failure: { first?: { message: ReceivedMessage; error: unknown } } = {};
    // Read through a call: the lanes set it while others await.
    const firstFailure = () => failure.first;
    const lanes = new Map<string, ReceivedMessage[]>();
    for (const message of messages) {
      if (this.doneAhead.delete(failureKey(message))) done.add(message.offset);
      else {
        const lane = lanes.get(message.key);
        if (lane) lane.push(message);
        else lanes.set(message.key, [message]);
      }
    }
    const queue = [...lanes.values()];
    const runLane = async (): Promise<void> => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        for (const message of lane) {
          // A failure elsewhere, a rebalance or a stop: what is left is fetched again.
          if (firstFailure() || !isRunning() || isStale()) return;
          const outcome = await this.handle(message);
          if (!outcome.done) {
            const first = firstFailure();
            if (!first || BigInt(message.offset) < BigInt(first.message.offset)) failure.first = { message, error: outcome.error };
            break; // the rest of this key waits behind it
          }
          done.add(message.offset);
          this.failures.delete(failureKey(message));
        }
      }
    };
    await this.withHeartbeats(heartbeat, () => Promise.all(Array.from({ length: Math.min(this.deps.tuning.concurrentKeys, queue.length) }, runLane)));

    // Kafka's committed offset is the next message to read: the first one not done.
    const notDone = messages.findIndex((message) => !done.has(message.offset));
    const firstNotDone = notDone < 0 ? undefined : messages[notDone];
    const lastOfPrefix = messages[(notDone < 0 ? messages.length : notDone) - 1];
    if (lastOfPrefix) {
      resolveOffset(lastOfPrefix.offset); // also steps over a trailing control record
      const next = firstNotDone ? firstNotDone.offset : (BigInt(batch.lastOffset()) + 1n).toString();
      await consumer.commitOffsets([{ topic, partition, offset: next }]);
    }
    if (!firstNotDone) return;
    const next = firstNotDone.offset;
    for (const message of messages) if (BigInt(message.offset) > BigInt(next) && done.has(message.offset)) this.doneAhead.add(failureKey(message));
    if (failure.first) return this.redeliverLater(consumer, firstNotDone, failure.first, pause);
    if (isRunning() && !isStale()) consumer.seek({ topic, partition, offset: next });
  }

  // kafkajs heartbeats only between messages: without this, a handler slower than the session
  // timeout (a malware scan of a large file) gets its member evicted and the message redelivered.
  private async withHeartbeats<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      heartbeat().catch((error) => this.deps.logger.debug({ err: error, groupId: this.options.groupId }, 'heartbeat during a handler failed'));
    }, this.deps.tuning.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async handle(message: ReceivedMessage): Promise<Outcome> {
    try {
      await this.options.handler(message);
      return { done: true };
    } catch (error) {
      if (isPermanentMessageError(error)) return this.deadLetter(message, error);
      return { done: false, error };
    }
  }

  private async deadLetter(message: ReceivedMessage, error: unknown): Promise<Outcome> {
    try {
      await this.deps.publish([deadLetterFor(message, error, this.options.groupId, new Date())]);
      this.deps.logger.warn(
        { groupId: this.options.groupId, topic: message.topic, partition: message.partition, offset: message.offset, err: error },
        'message dead-lettered',
      );
      return { done: true };
    } catch (publishError) {
      return { done: false, error: publishError };
    }
  }

  private redeliverLater(
    consumer: Consumer,
    from: ReceivedMessage,
    { message, error }: { message: ReceivedMessage; error: unknown },
    pause: () => () => void,
  ): void {
    const key = failureKey(message);
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const retryInMs = backoffDelay(failures, this.deps.retry);
    const { groupId } = this.options;
    this.deps.logger.warn(
      { err: error, groupId, topic: message.topic, partition: message.partition, offset: message.offset, failures, retryInMs },
      'message handler failed; will redeliver',
    );
    const resume = pause();
    consumer.seek({ topic: from.topic, partition: from.partition, offset: from.offset });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) resume();
    }, retryInMs);
    this.timers.add(timer);
  }

  // kafkajs restarts itself after retriable crashes; after any other we start a fresh consumer.
  private onCrash(error: unknown, kafkajsRestarts: boolean): void {
    if (this.stopping || kafkajsRestarts) return;
    this.crashes += 1;
    const retryInMs = backoffDelay(this.crashes, this.deps.retry);
    this.deps.logger.error({ err: error, groupId: this.options.groupId, retryInMs }, 'consumer crashed; restarting it');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) this.start().catch((restartError) => this.onCrash(restartError, false));
    }, retryInMs);
    this.timers.add(timer);
  }
}

function joinedGroup(consumer: Consumer): Promise<void> {
  return new Promise((resolve, reject) => {
    const removers = [
      consumer.on(consumer.events.GROUP_JOIN, () => settle(resolve)),
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) settle(() => reject(payload.error));
      }),
    ];
    function settle(done: () => void) {
      removers.forEach((remove) => remove());
      done();
    }
  });
}

function toReceived(topic: string, partition: number, message: KafkaMessage): ReceivedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value?.toString('utf8') ?? '',
    headers: headersOf(message.headers),
  };
}

function headersOf(headers: IHeaders = {}): Record<string, string> {
  const entries = Object.entries(headers).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, Array.isArray(value) ? value.map(String).join(',') : value.toString()] as const],
  );
  return Object.fromEntries(entries);
}

function failureKey({ topic, partition, offset }: ReceivedMessage): string {
  return `${topic}/${partition}/${offset}`;
}
