import { randomUUID } from 'node:crypto';
import { Topics, requestEnvelope, requestStreamId, toDomainEvent, type EventEnvelope } from '@airlock/contracts';
import { decide, evolve, fold, type RequestCommand, type RequestEvent, type RequestState } from '@airlock/domain';
import type { EventStore } from '@airlock/event-store';
import { StreamCommandHandler, type Expectation, type StreamModel } from './stream-command.handler';

export { StaleVersionError } from './stream-command.handler';

/**
 * `expectedVersion`: decide only against this version of the stream (HTTP If-Match with the
 * researcher's ETag); `expected`: the same with an opaque per-view tag (a checker's ETag).
 * Without either, a lost race is retried from a fresh read.
 */
export type CommandContext = { correlationId?: string; causationId?: string; expectedVersion?: number; expected?: Expectation<RequestState> };
export type CommandResult = { state: RequestState; events: RequestEvent[]; version: number };

/** Requests as event-sourced streams, one per request, published on the request-events topic. */
const requestStreams = (source: string): StreamModel<RequestState, RequestCommand, RequestEvent> => ({
  streamId: requestStreamId,
  fold: (events) => fold(events.map(toDomainEvent)),
  foldOnto: (state, events) => events.map(toDomainEvent).reduce(evolve, state),
  decide,
  evolve,
  envelopes: (events, requestId, command, at, correlationId = randomUUID(), causationId) =>
    events.map((event) => requestEnvelope(event, requestId, { id: randomUUID(), source, time: at, actor: command.actor, correlationId, causationId })),
  publish: (requestId) => ({ topic: Topics.requestEvents, key: requestId }),
});

/**
 * The one way a request changes: the generic stream command handler over request streams.
 * Commands on one request from this process run one at a time, so parallel calls (20 uploads of
 * different files) do not race each other; up to ten attempts with a jittered pause absorb races
 * with other processes.
 */
export class RequestCommandHandler {
  private readonly handler: StreamCommandHandler<RequestState, RequestCommand, RequestEvent>;

  constructor(store: EventStore, source: string, clock: () => Date = () => new Date(), maxAttempts = 10) {
    this.handler = new StreamCommandHandler(
      store,
      requestStreams(source),
      {
        maxAttempts,
        // Another process appended first: back off a little, at random, before reading again.
        pauseMs: (attempt) => Math.random() * 10 * attempt,
        oneAtATime: true,
      },
      clock,
    );
  }

  /** The request with every event's envelope (for views and records that show its history): a full read. */
  load(requestId: string): Promise<{ state: RequestState; version: number; envelopes: EventEnvelope[] }> {
    return this.handler.load(requestId);
  }

  /**
   * The request's state as the store holds it now, without its envelopes: the state kept from this
   * process's last read or write with the events after it read and folded on (a worker that looks
   * at a request at each step of its checks no longer reads and folds the whole stream each time).
   */
  current(requestId: string): Promise<{ state: RequestState; version: number }> {
    return this.handler.current(requestId);
  }

  execute(requestId: string, build: (state: RequestState, at: string) => RequestCommand, context: CommandContext = {}): Promise<CommandResult> {
    const { correlationId, causationId, expectedVersion } = context;
    const expected = context.expected ?? (expectedVersion === undefined ? undefined : { version: expectedVersion });
    return this.handler.execute(requestId, build, { correlationId, causationId, expected });
  }
}
