import { randomUUID } from 'node:crypto';
import { Topics, requestEnvelope, requestStreamId, toDomainEvent, type EventEnvelope } from '@airlock/contracts';
import { decide, evolve, fold, type Actor, type RequestCommand, type RequestEvent, type RequestState } from '@airlock/domain';
import type { EventStore } from '@airlock/event-store';
import { expectedVersionOfCurrentRequest } from '@airlock/http';

/** `expectedVersion`: apply only to this version of the stream (HTTP If-Match); defaults to the current HTTP request's. */
export type CommandContext = { correlationId?: string; causationId?: string; expectedVersion?: number };

export class StaleVersionError extends Error {
  readonly code = 'STALE_VERSION';
  constructor(readonly expected: number, readonly actual: number) {
    super(`The request is at version ${actual}, not ${expected}: reload it and try again`);
  }
}
export type CommandResult = { state: RequestState; events: RequestEvent[]; version: number };

const isConflict = (error: unknown) => (error as { code?: string })?.code === 'STREAM_VERSION_CONFLICT';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs work for one key at a time, in arrival order; different keys run in parallel. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/**
 * The one way a request changes (STYLE.md): read the stream, fold, decide, append with the
 * expected version; on a concurrent append, retry from a fresh read a bounded number of times.
 * Commands on one request from this process run one at a time, so parallel calls (20 uploads of
 * different files) do not race each other; the bounded retries with a jittered pause absorb races
 * with other processes. A command that is still legal on the fresh state then succeeds; one that
 * is not (a second file of the same name) gets the domain's refusal.
 */
export class RequestCommandHandler {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly store: EventStore,
    private readonly source: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly maxAttempts = 10,
  ) {}

  async load(requestId: string): Promise<{ state: RequestState; version: number; envelopes: EventEnvelope[] }> {
    const { version, events } = await this.store.readStream(requestStreamId(requestId));
    return { state: fold(events.map(toDomainEvent)), version, envelopes: events };
  }

  async execute(
    requestId: string,
    build: (state: RequestState, at: string) => RequestCommand,
    context: CommandContext = {},
  ): Promise<CommandResult> {
    // Read outside the queued work: the request context (If-Match) lives in async-local storage.
    const expected = context.expectedVersion ?? expectedVersionOfCurrentRequest();
    return this.queue.run(requestId, () => this.attempt(requestId, build, context, expected));
  }

  private async attempt(
    requestId: string,
    build: (state: RequestState, at: string) => RequestCommand,
    context: CommandContext,
    expected: number | undefined,
  ): Promise<CommandResult> {
    for (let attempt = 1; ; attempt += 1) {
      const { state, version } = await this.load(requestId);
      if (expected !== undefined && version !== expected) throw new StaleVersionError(expected, version);
      const at = this.clock().toISOString();
      const command = build(state, at);
      const events = decide(command, state);
      if (events.length === 0) return { state, events, version };
      try {
        const appended = await this.append(requestId, version, events, command.actor, at, context);
        return { state: events.reduce(evolve, state), events, version: appended };
      } catch (error) {
        if (!isConflict(error) || attempt >= this.maxAttempts) throw error;
        // Another process appended first: back off a little, at random, before reading again.
        await pause(Math.random() * 10 * attempt);
      }
    }
  }

  private async append(requestId: string, expectedVersion: number, events: RequestEvent[], actor: Actor, at: string, context: CommandContext) {
    const correlationId = context.correlationId ?? randomUUID();
    const pending = events.map((event) =>
      requestEnvelope(event, requestId, { id: randomUUID(), source: this.source, time: at, actor, correlationId, causationId: context.causationId }),
    );
    const result = await this.store.appendToStream(requestStreamId(requestId), expectedVersion, pending, {
      topic: Topics.requestEvents,
      key: requestId,
    });
    return result.version;
  }
}
