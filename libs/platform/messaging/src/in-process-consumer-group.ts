import type { Logger } from '@airlock/database';
import { deadLetterFor } from './dead-letter';
import type { BusMessage, MessageHandler, ReceivedMessage, SubscribeOptions, Subscription } from './message-bus';
import { isPermanentMessageError } from './messaging.errors';
import { backoffDelay, type RetryPolicy } from './retry-policy';
import { Signal, sleepUntil } from './signal';

/** What a group needs from its bus. */
export type InProcessLog = {
  readonly published: Signal;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  partitionsOf(topic: string): ReceivedMessage[][];
  publish(messages: BusMessage[]): Promise<void>;
};

type Member = { topics: readonly string[]; handler: MessageHandler };
type Worker = { member: Member; topic: string; partition: number; stopped: boolean; stop: Signal; done: Promise<void> };

const slot = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Members share partitions; each partition has one worker that handles its messages in order. */
export class InProcessConsumerGroup {
  private readonly committed = new Map<string, number>();
  private members: Member[] = [];
  private readonly workers = new Map<string, Worker>();
  private rebalancing: Promise<void> = Promise.resolve();

  constructor(
    private readonly groupId: string,
    private readonly log: InProcessLog,
  ) {}

  async join({ topics, fromBeginning = false, handler }: SubscribeOptions): Promise<Subscription> {
    const member: Member = { topics: [...topics], handler };
    this.pinStart(member.topics, fromBeginning);
    this.members.push(member);
    await this.rebalance();
    return { stop: () => this.leave(member) };
  }

  /** Per topic the group reads: messages published beyond its committed offsets. */
  lag(): { topic: string; lag: number }[] {
    const topics = [...new Set(this.members.flatMap((member) => member.topics))].sort();
    return topics.map((topic) => ({
      topic,
      lag: this.log.partitionsOf(topic).reduce((sum, messages, partition) => sum + messages.length - (this.committed.get(slot(topic, partition)) ?? 0), 0),
    }));
  }

  async leaveAll(): Promise<void> {
    this.members = [];
    await this.rebalance();
  }

  private async leave(member: Member): Promise<void> {
    this.members = this.members.filter((candidate) => candidate !== member);
    await this.rebalance();
  }

  // A new group starts at the end (or the beginning) once; after that its committed offsets rule.
  private pinStart(topics: readonly string[], fromBeginning: boolean): void {
    for (const topic of topics) {
      this.log.partitionsOf(topic).forEach((messages, partition) => {
        const key = slot(topic, partition);
        if (!this.committed.has(key)) this.committed.set(key, fromBeginning ? 0 : messages.length);
      });
    }
  }

  private rebalance(): Promise<void> {
    this.rebalancing = this.rebalancing.then(() => this.reassign());
    return this.rebalancing;
  }

  // Stop the workers whose partition changed hands and wait for them, so a partition never has two.
  private async reassign(): Promise<void> {
    const assignment = this.assignment();
    const moving = [...this.workers.entries()].filter(([key, worker]) => assignment.get(key) !== worker.member);
    for (const [, worker] of moving) {
      worker.stopped = true;
      worker.stop.notify();
    }
    this.log.published.notify();
    await Promise.all(moving.map(([, worker]) => worker.done));
    moving.forEach(([key]) => this.workers.delete(key));
    for (const [key, member] of assignment) {
      if (!this.workers.has(key)) this.workers.set(key, this.startWorker(member, key));
    }
  }

  private assignment(): Map<string, Member> {
    const assignment = new Map<string, Member>();
    const topics = [...new Set(this.members.flatMap((member) => member.topics))].sort();
    for (const topic of topics) {
      const eligible = this.members.filter((member) => member.topics.includes(topic));
      this.log.partitionsOf(topic).forEach((_, partition) => {
        assignment.set(slot(topic, partition), eligible[partition % eligible.length]);
      });
    }
    return assignment;
  }

  private startWorker(member: Member, key: string): Worker {
    const [topic, partition] = key.split('\u0000');
    const worker: Worker = { member, topic, partition: Number(partition), stopped: false, stop: new Signal(), done: Promise.resolve() };
    worker.done = this.consume(worker, key);
    return worker;
  }

  private async consume(worker: Worker, key: string): Promise<void> {
    while (!worker.stopped) {
      const next = this.committed.get(key) ?? 0;
      const message = this.log.partitionsOf(worker.topic)[worker.partition][next];
      if (!message) {
        await Promise.race([this.log.published.wait(), worker.stop.wait()]);
        continue;
      }
      // Commit only once handled (or dead-lettered): a stop mid-retry leaves it for the next owner.
      if (await this.deliver(worker, message)) this.committed.set(key, next + 1);
    }
  }

  private async deliver(worker: Worker, message: ReceivedMessage): Promise<boolean> {
    for (let failures = 1; ; failures += 1) {
      try {
        await worker.member.handler({ ...message, headers: { ...message.headers } });
        return true;
      } catch (error) {
        if (isPermanentMessageError(error) && (await this.deadLetter(message, error))) return true;
        const retryInMs = backoffDelay(failures, this.log.retry);
        this.log.logger.warn(
          { err: error, groupId: this.groupId, topic: message.topic, partition: message.partition, offset: message.offset, failures, retryInMs },
          'message handler failed; will redeliver',
        );
        if (worker.stopped) return false;
        await sleepUntil(retryInMs, worker.stop);
        if (worker.stopped) return false;
      }
    }
  }

  private async deadLetter(message: ReceivedMessage, error: unknown): Promise<boolean> {
    try {
      await this.log.publish([deadLetterFor(message, error, this.groupId, new Date())]);
      return true;
    } catch (publishError) {
      this.log.logger.error({ err: publishError, groupId: this.groupId, topic: message.topic }, 'dead-lettering failed; will retry');
      return false;
    }
  }
}
