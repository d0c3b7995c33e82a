import { Topics } from '@airlock/contracts';
import { silentLogger, type Logger } from '@airlock/database';
import { Kafka, Partitioners, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import { pinNewGroupToEnd } from './kafka-group-start';
import { kafkaLogCreator } from './kafka-log';
import { KafkaSubscription, type KafkaConsumerTuning } from './kafka-subscription';
import { groupLag } from './kafka-lag';
import type { BusMessage, ConsumerLag, MessageBus, SubscribeOptions, Subscription } from './message-bus';
import { DEFAULT_RETRY_POLICY, retryTransient, type RetryPolicy } from './retry-policy';
import { withTracedHandler } from './traced-handler';

export type KafkaMessageBusOptions = {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  /** Back-off between redeliveries of a message whose handler failed. */
  retry?: RetryPolicy;
  /** Used when this bus creates a topic. */
  topicPartitions?: number;
  replicationFactor?: number;
  /** How long setting up a subscription keeps retrying the broker's transient errors (default 60 s). */
  startupRetryMs?: number;
  consumer?: Partial<KafkaConsumerTuning>;
};

const DEFAULT_TUNING: KafkaConsumerTuning = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  maxWaitTimeMs: 1_000,
  concurrentPartitions: 3,
  concurrentKeys: 8,
};

/**
 * MessageBus on Kafka. Producer: idempotent, one request in flight, acks from all in-sync replicas,
 * so an acknowledged batch is durable and in order. Consumers commit a message's offset only after
 * its handler resolved (at-least-once).
 */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;
  private readonly tuning: KafkaConsumerTuning;
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  /** The groups this process has joined and their topics, for `consumerLag`. */
  private readonly groups = new Map<string, Set<string>>();
  private producer: Promise<Producer> | undefined;
  private admin: Promise<Admin> | undefined;

  constructor(private readonly options: KafkaMessageBusOptions) {
    this.logger = options.logger ?? silentLogger;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.tuning = { ...DEFAULT_TUNING, ...options.consumer };
    this.kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: logLevel.INFO, logCreator: kafkaLogCreator(this.logger) });
  }

  async publish(messages: BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureTopics(messages.map((message) => message.topic));
    const producer = await this.producerClient();
    await producer.sendBatch({ acks: -1, topicMessages: byTopic(messages) });
  }

  /**
   * Resolves once the member has joined its group. Its topics are first made to exist with leaders;
   * while the broker still answers with retriable errors (services booting at once on a fresh
   * broker), joining is retried with a fresh member until `startupRetryMs`; anything else fails.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.ensureTopics([...options.topics, Topics.deadLetters]);
    return retryTransient(() => this.subscribeOnce(options), {
      withinMs: this.options.startupRetryMs ?? 60_000,
      onRetry: (error, attempt, delayMs) =>
        this.logger.warn({ err: error, groupId: options.groupId, attempt, delayMs }, 'subscription not ready yet: retrying'),
    });
  }

  private async subscribeOnce(options: SubscribeOptions): Promise<Subscription> {
    if (!options.fromBeginning) await pinNewGroupToEnd(this.kafka, await this.adminClient(), options.groupId, options.topics, this.logger);
    const subscription = new KafkaSubscription(this.kafka, withTracedHandler(options), {
      retry: this.retry,
      tuning: this.tuning,
      logger: this.logger,
      publish: (messages) => this.publish(messages),
      onStopped: (stopped) => this.subscriptions.delete(stopped),
    });
    this.subscriptions.add(subscription);
    const topics = this.groups.get(options.groupId) ?? new Set<string>();
    options.topics.forEach((topic) => topics.add(topic));
    this.groups.set(options.groupId, topics);
    try {
      await subscription.start();
    } catch (error) {
      await subscription.stop();
      throw error;
    }
    return subscription;
  }

  /** Asks the broker for each joined group's committed offsets and each topic's end offsets. */
  async consumerLag(): Promise<ConsumerLag[]> {
    if (this.groups.size === 0) return [];
    const admin = await this.adminClient();
    const lags = await Promise.all([...this.groups].map(([groupId, topics]) => groupLag(admin, groupId, [...topics])));
    return lags.flat();
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    const [producer, admin] = [this.producer, this.admin];
    this.producer = this.admin = undefined;
    await Promise.all([producer?.then((p) => p.disconnect()), admin?.then((a) => a.disconnect())].map((closing) => closing?.catch(() => undefined)));
  }

  /**
   * Topics are created up front (the broker's auto-creation would pick its own partition count), and
   * are known only once every partition has a leader in the metadata this client sees.
   */
  private async ensureTopics(topics: string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((topic) => !this.knownTopics.has(topic));
    if (missing.length === 0) return;
    const admin = await this.adminClient();
    const { topicPartitions = 3, replicationFactor = 1 } = this.options;
    // Resolves false, not an error, when they already exist, and then does not wait for their
    // leaders: another service may have created them a moment ago, hence the check below.
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: topicPartitions, replicationFactor })) });
    await retryTransient(
      async () => {
        const { topics: described } = await admin.fetchTopicMetadata({ topics: missing });
        const leaderless = described.filter(({ partitions }) => partitions.length === 0 || partitions.some((partition) => partition.leader < 0));
        if (leaderless.length > 0) throw new TopicsNotReady(leaderless.map(({ name }) => name));
      },
      { withinMs: this.options.startupRetryMs ?? 60_000 },
    );
    missing.forEach((topic) => this.knownTopics.add(topic));
  }

  private producerClient(): Promise<Producer> {
    this.producer ??= connectOrForget(
      this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }),
      () => (this.producer = undefined),
    );
    return this.producer;
  }

  private adminClient(): Promise<Admin> {
    this.admin ??= connectOrForget(this.kafka.admin(), () => (this.admin = undefined));
    return this.admin;
  }
}

/** Retriable like the broker's own errors: the topics exist but some partition has no leader yet. */
class TopicsNotReady extends Error {
  readonly retriable = true;
  constructor(topics: string[]) {
    super(`topics without a leader yet: ${topics.join(', ')}`);
    this.name = 'TopicsNotReady';
  }
}

/** A failed connect is not cached: the next call tries again (its caller backs off). */
function connectOrForget<T extends { connect(): Promise<void> }>(client: T, forget: () => void): Promise<T> {
  const connecting = client.connect().then(() => client);
  connecting.catch(forget);
  return connecting;
}

function byTopic(messages: BusMessage[]): { topic: string; messages: Message[] }[] {
  const grouped = new Map<string, Message[]>();
  for (const { topic, key, value, headers } of messages) {
    const list = grouped.get(topic) ?? [];
    list.push({ key, value, headers });
    grouped.set(topic, list);
  }
  return [...grouped].map(([topic, list]) => ({ topic, messages: list }));
}
