import type { EventEnvelope } from '@airlock/contracts';
import type { AppendOptions, EventStore, PendingEvent } from '@airlock/event-store';
import { LRUCache } from 'lru-cache';

/**
 * What the caller read (HTTP If-Match): the command is decided against exactly that read or not
 * at all. `version` is the stream's version, for views that may show it (the researcher's, the
 * administrator's); `etag` is an opaque tag of one caller's view, computed by `etagOf` from the
 * state and version, for views that must not show the stream's version (a checker's, under
 * blinded review: the version counts the other checkers' votes).
 */
export type Expectation<S> = { version: number } | { etag: string; etagOf: (state: S, version: number) => string };

/** The change was made against a read that is no longer current: 412, reload and try again. */
export class StaleVersionError extends Error {
  readonly code = 'STALE_VERSION';
  constructor(
    readonly expected: number | string,
    readonly actual?: number,
  ) {
    // An opaque tag's refusal names no version: the caller must not learn the stream's version from it.
    super(
      actual === undefined
        ? 'The request has changed since you read it: reload it and try again'
        : `The request is at version ${actual}, not ${expected}: reload it and try again`,
    );
  }
}

/** One kind of event-sourced stream: how to read it, decide on it and write to it. */
export type StreamModel<S, C, E> = {
  streamId(key: string): string;
  fold(events: EventEnvelope[]): S;
  /**
   * Folds newer events onto a state already folded. When given, the handler keeps each stream's
   * latest state in memory and reads only the events after it (one stream that every command
   * consults, such as the registry, is then not read and folded whole every time).
   */
  foldOnto?(state: S, events: EventEnvelope[]): S;
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  /** The envelopes of the decided events, ready to append. */
  envelopes(events: E[], key: string, command: C, at: string, correlationId: string | undefined, causationId: string | undefined): PendingEvent[];
  /** Where the outbox publishes the stream's events. */
  publish(key: string): AppendOptions;
};

/**
 * `maxAttempts`: reads, decides and appends before a version conflict is given up on.
 * `pauseMs`: how long to wait before attempt n+1 after attempt n lost a race (none by default).
 * `oneAtATime`: commands on one stream from this process run in arrival order, one at a time.
 */
export type RetryPolicy = { maxAttempts: number; pauseMs?: (attempt: number) => number; oneAtATime?: boolean };

/** Streams whose latest state a handler keeps in memory (models with `foldOnto`), least recently used dropped first. */
export const DEFAULT_STREAMS_KEPT = 1_000;

export type ExecuteOptions<S> = { correlationId?: string; causationId?: string; expected?: Expectation<S> };
export type Executed<S, E> = { state: S; events: E[]; version: number };

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
 * The one way an event-sourced stream changes: read the stream, fold,
 * decide, append with the version read. Without an expectation a lost race (another writer
 * appended first) is retried from a fresh read, a bounded number of times: a command still legal
 * on the fresh state then succeeds, one that is not gets the domain's refusal. With one (If-Match)
 * the command is decided against the read the caller named, or refused STALE_VERSION; a refusal
 * of the command itself comes first. A lost race is then not retried for a version, and retried
 * for a view tag (the tag is compared again on the fresh read).
 */
export class StreamCommandHandler<S, C, E> {
  private readonly queue = new KeyedQueue();
  /**
   * The latest state read per stream, for models with `foldOnto`; never ahead of the store. Bounded:
   * a request stream is busy for minutes and then rarely read, so the least recently used go first.
   */
  private readonly latest: LRUCache<string, { state: S; version: number }>;

  constructor(
    private readonly store: EventStore,
    private readonly model: StreamModel<S, C, E>,
    private readonly retry: RetryPolicy,
    private readonly clock: () => Date = () => new Date(),
    streamsKept = DEFAULT_STREAMS_KEPT,
  ) {
    this.latest = new LRUCache({ max: streamsKept });
  }

  async load(key: string): Promise<{ state: S; version: number; envelopes: EventEnvelope[] }> {
    const { version, events } = await this.store.readStream(this.model.streamId(key));
    return { state: this.model.fold(events), version, envelopes: events };
  }

  /**
   * The stream's state as the store holds it now. With `foldOnto`, one read of the events after
   * the state kept from the last call (none when nothing changed), folded onto it; the store is
   * still asked every time, so the state is never older than a full read's would be.
   */
  async current(key: string): Promise<{ state: S; version: number }> {
    const foldOnto = this.model.foldOnto;
    if (!foldOnto) return this.load(key);
    const streamId = this.model.streamId(key);
    const kept = this.latest.get(streamId);
    const { version, events } = await this.store.readStream(streamId, kept?.version ?? 0);
    if (kept && events.length === 0) return kept;
    // Another read may have moved further meanwhile: keep whichever is newer.
    const state = kept ? foldOnto(kept.state, events) : this.model.fold(events);
    const newest = this.latest.peek(streamId);
    if (!newest || newest.version < version) this.latest.set(streamId, { state, version });
    return { state, version };
  }

  execute(key: string, build: (state: S, at: string) => C, options: ExecuteOptions<S> = {}): Promise<Executed<S, E>> {
    const work = () => this.attempt(key, build, options);
    return this.retry.oneAtATime ? this.queue.run(key, work) : work();
  }

  private async attempt(key: string, build: (state: S, at: string) => C, options: ExecuteOptions<S>): Promise<Executed<S, E>> {
    const { expected } = options;
    for (let attempt = 1; ; attempt += 1) {
      const { state, version } = await this.current(key);
      const at = this.clock().toISOString();
      const command = build(state, at);
      // Decided first: a caller the command is refused to (not the author, not a checker of the
      // project) gets that refusal, never a 412 that would tell them the stream moved (or its version).
      const events = this.model.decide(command, state);
      if (expected) refuseStale(expected, state, version);
      if (events.length === 0) return { state, events, version };
      const pending = this.model.envelopes(events, key, command, at, options.correlationId, options.causationId);
      try {
        const appended = await this.store.appendToStream(this.model.streamId(key), version, pending, this.model.publish(key));
        return { state: events.reduce(this.model.evolve, state), events, version: appended.version };
      } catch (error) {
        if (!isConflict(error)) throw error;
        // The caller named a version, and the stream moved past it between our read and our append.
        if (expected && 'version' in expected) throw new StaleVersionError(expected.version);
        // A view tag is checked again on the fresh read: a change the caller cannot see (another
        // checker's vote) leaves their view, and so their command, as it was; a 412 would reveal it.
        if (attempt >= this.retry.maxAttempts) throw expected ? new StaleVersionError(expected.etag) : error;
        const wait = this.retry.pauseMs?.(attempt) ?? 0;
        if (wait > 0) await pause(wait);
      }
    }
  }
}

function refuseStale<S>(expected: Expectation<S>, state: S, version: number): void {
  if ('version' in expected) {
    if (version !== expected.version) throw new StaleVersionError(expected.version, version);
  } else if (expected.etagOf(state, version) !== expected.etag) {
    throw new StaleVersionError(expected.etag);
  }
}
