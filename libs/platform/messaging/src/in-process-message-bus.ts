import { silentLogger, type Logger } from '@airlock/database';
import type { BusMessage, ConsumerLag, MessageBus, ReceivedMessage, SubscribeOptions, Subscription } from './message-bus';
import { InProcessConsumerGroup, type InProcessLog } from './in-process-consumer-group';
import { partitionFor } from './partitioning';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy';
import { Signal } from './signal';
import { withTracedHandler } from './traced-handler';

export type InProcessMessageBusOptions = { partitions?: number; retry?: RetryPolicy; logger?: Logger };

/**
 * The MessageBus in memory, for the embedded default and for unit tests: per-topic partitions by
 * key hash, consumer groups with committed offsets, at-least-once with retry, dead letters.
 * Nothing survives the process; use Kafka wherever messages must outlive a restart.
 */
export class InProcessMessageBus implements MessageBus, InProcessLog {
  readonly published = new Signal();
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  private readonly partitionCount: number;
  private readonly topics = new Map<string, ReceivedMessage[][]>();
  private readonly groups = new Map<string, InProcessConsumerGroup>();
  private closed = false;

  constructor({ partitions = 3, retry = DEFAULT_RETRY_POLICY, logger = silentLogger }: InProcessMessageBusOptions = {}) {
    this.partitionCount = partitions;
    this.retry = retry;
    this.logger = logger;
  }

  async publish(messages: BusMessage[]): Promise<void> {
    this.assertOpen();
    for (const message of messages) {
      const partition = partitionFor(message.key, this.partitionCount);
      const log = this.partitionsOf(message.topic)[partition];
      log.push({ ...message, headers: { ...message.headers }, partition, offset: String(log.length) });
    }
    this.published.notify();
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new InProcessConsumerGroup(options.groupId, this);
      this.groups.set(options.groupId, group);
    }
    return group.join(withTracedHandler(options));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.groups.values()].map((group) => group.leaveAll()));
  }

  async consumerLag(): Promise<ConsumerLag[]> {
    return [...this.groups].flatMap(([groupId, group]) => group.lag().map((lag) => ({ groupId, ...lag })));
  }

  partitionsOf(topic: string): ReceivedMessage[][] {
    let partitions = this.topics.get(topic);
    if (!partitions) {
      partitions = Array.from({ length: this.partitionCount }, () => []);
      this.topics.set(topic, partitions);
    }
    return partitions;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('message bus is closed');
  }
}
