import type { Logger } from '@airlock/database';
import type { Admin, Kafka } from 'kafkajs';
import { retryTransient } from './retry-policy';

/**
 * Consumers start where their group committed, else at the oldest message, so a partition that
 * changes hands before its first commit is never skipped. A brand-new group that should not start
 * from the beginning instead gets its start committed at the current end of each topic.
 */
export async function pinNewGroupToEnd(kafka: Kafka, admin: Admin, groupId: string, topics: string[], logger: Logger): Promise<void> {
  // Right after a topic is created, KRaft may briefly answer NOT_LEADER_FOR_PARTITION to ListOffsets,
  // which kafkajs's admin does not retry.
  await retryTransient(() => pinTopics(kafka, admin, groupId, topics, logger), { withinMs: 30_000 });
}

async function pinTopics(kafka: Kafka, admin: Admin, groupId: string, topics: string[], logger: Logger): Promise<void> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const { topic, partitions } of committed) {
    if (partitions.some((partition) => partition.offset !== '-1')) continue;
    const ends = await admin.fetchTopicOffsets(topic);
    if (ends.every((end) => end.high === end.low)) continue; // empty: the oldest message is the next one
    const { groups } = await admin.describeGroups([groupId]);
    if (!['Empty', 'Dead'].includes(groups[0]?.state ?? 'Dead')) {
      logger.debug({ groupId, topic }, 'group already running: its first member pinned the start');
      continue;
    }
    await commitOffsets(
      kafka,
      groupId,
      topic,
      ends.map((end) => ({ partition: end.partition, offset: end.high })),
    );
  }
}

/**
 * What kafkajs's admin.setOffsets does (a short-lived member seeks with auto-commit on), but with a
 * short fetch long-poll: setOffsets waits out its default 5 s before it returns.
 */
async function commitOffsets(kafka: Kafka, groupId: string, topic: string, offsets: { partition: number; offset: string }[]): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const fetched = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH, () => resolve()));
    await consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined });
    consumer.pause([{ topic }]);
    offsets.forEach(({ partition, offset }) => consumer.seek({ topic, partition, offset }));
    // Seeks are committed at the start of the next fetch.
    await fetched;
  } finally {
    await consumer.disconnect();
  }
}
