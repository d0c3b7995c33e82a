import type { Admin } from 'kafkajs';
import type { ConsumerLag } from './message-bus';

/**
 * Per topic: the sum over partitions of the end offset minus the group's committed offset. A
 * partition the group has never committed counts from the oldest message still kept.
 */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<ConsumerLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  return Promise.all(
    committed.map(async ({ topic, partitions }) => {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((end) => [end.partition, end]));
      const lag = partitions.reduce((sum, { partition, offset }) => {
        const end = ends.get(partition);
        if (!end) return sum;
        const from = offset === '-1' ? Number(end.low) : Number(offset);
        return sum + Math.max(0, Number(end.high) - from);
      }, 0);
      return { groupId, topic, lag };
    }),
  );
}
