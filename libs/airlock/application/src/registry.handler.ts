import { randomUUID } from 'node:crypto';
import { REGISTRY_STREAM_ID, Topics, registryWireType, toRegistryEvent } from '@airlock/contracts';
import {
  DEFAULT_APPROVAL_POLICY,
  decideRegistry,
  evolveRegistry,
  initialRegistry,
  withRegistryFacts,
  type Actor,
  type ProjectPolicy,
  type RegistryCommand,
  type RegistryEvent,
  type RegistryState,
} from '@airlock/domain';
import type { EventStore } from '@airlock/event-store';
import { StreamCommandHandler, type StreamModel } from './stream-command.handler';

export const DEFAULT_PROJECT_POLICY: ProjectPolicy = { approval: DEFAULT_APPROVAL_POLICY, disclosure: {} };

/**
 * `expectedVersion`: decide only against this version of the registry stream (HTTP If-Match with
 * the ETag of an administrator's read); without it a lost race is retried from a fresh read.
 */
export type RegistryCommandContext = { correlationId?: string; expectedVersion?: number };

/** The registry: one stream for every project, membership, assignment and accreditation. */
const registryStream = (source: string): StreamModel<RegistryState, RegistryCommand, RegistryEvent> => ({
  streamId: () => REGISTRY_STREAM_ID,
  fold: (events) => events.map(toRegistryEvent).reduce(evolveRegistry, initialRegistry),
  // Every command by a person consults the registry: it is kept folded, and only newer events read.
  foldOnto: (state, events) => events.map(toRegistryEvent).reduce(evolveRegistry, state),
  decide: decideRegistry,
  evolve: evolveRegistry,
  envelopes: (events, _key, command, at, correlationId = randomUUID()) =>
    events.map((event) => ({
      specversion: '1.0' as const,
      id: randomUUID(),
      source,
      type: registryWireType(event.type),
      subject: 'projectId' in event.data ? event.data.projectId : event.data.userId,
      time: at,
      datacontenttype: 'application/json' as const,
      actor: { userId: command.actor.userId, roles: [...command.actor.roles] },
      correlationId,
      data: event.data,
    })),
  publish: () => ({ topic: Topics.registryEvents, key: REGISTRY_STREAM_ID }),
});

/**
 * Safe people: projects, memberships, checker assignments and accreditation, event-sourced in
 * one stream. Every request command by a person goes through `enrich`, so the domain decides
 * on the registry's facts, never on what a token claims about accreditation or membership.
 * Commands go through the generic stream command handler: up to five attempts, no pause.
 */
export class RegistryHandler {
  private readonly handler: StreamCommandHandler<RegistryState, RegistryCommand, RegistryEvent>;

  constructor(store: EventStore, source: string, clock: () => Date = () => new Date()) {
    this.handler = new StreamCommandHandler(store, registryStream(source), { maxAttempts: 5 }, clock);
  }

  async load(): Promise<{ state: RegistryState; version: number }> {
    return this.handler.current(REGISTRY_STREAM_ID);
  }

  async enrich(actor: Actor): Promise<Actor> {
    if (actor.roles.includes('system')) return actor;
    return withRegistryFacts((await this.load()).state, actor);
  }

  async policyFor(projectId: string): Promise<ProjectPolicy> {
    return (await this.load()).state.projects.get(projectId)?.policy ?? DEFAULT_PROJECT_POLICY;
  }

  /** A string is the correlation id (the older form); the registry's key is its one stream. */
  async execute(
    build: (at: string) => RegistryCommand,
    context: string | RegistryCommandContext = {},
  ): Promise<{ state: RegistryState; events: RegistryEvent[]; version: number }> {
    const { correlationId, expectedVersion } = typeof context === 'string' ? { correlationId: context, expectedVersion: undefined } : context;
    return this.handler.execute(REGISTRY_STREAM_ID, (_state, at) => build(at), {
      correlationId,
      expected: expectedVersion === undefined ? undefined : { version: expectedVersion },
    });
  }
}
