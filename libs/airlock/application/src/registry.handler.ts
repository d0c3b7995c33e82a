import { randomUUID } from 'node:crypto';
import { REGISTRY_STREAM_ID, Topics, registryWireType, toRegistryEvent } from '@airlock/contracts';
import {
  DEFAULT_APPROVAL_POLICY, decideRegistry, evolveRegistry, initialRegistry, withRegistryFacts,
  type Actor, type ProjectPolicy, type RegistryCommand, type RegistryEvent, type RegistryState,
} from '@airlock/domain';
import type { EventStore } from '@airlock/event-store';

export const DEFAULT_PROJECT_POLICY: ProjectPolicy = { approval: DEFAULT_APPROVAL_POLICY, disclosure: {} };

const isConflict = (error: unknown) => (error as { code?: string })?.code === 'STREAM_VERSION_CONFLICT';

/**
 * Safe people: projects, memberships, checker assignments and accreditation, event-sourced in
 * one stream. Every request command by a person goes through `enrich`, so the domain decides
 * on the registry's facts, never on what a token claims about accreditation or membership.
 */
export class RegistryHandler {
  constructor(
    private readonly store: EventStore,
    private readonly source: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async load(): Promise<{ state: RegistryState; version: number }> {
    const { version, events } = await this.store.readStream(REGISTRY_STREAM_ID);
    return { state: events.map(toRegistryEvent).reduce(evolveRegistry, initialRegistry), version };
  }

  async enrich(actor: Actor): Promise<Actor> {
    if (actor.roles.includes('system')) return actor;
    return withRegistryFacts((await this.load()).state, actor);
  }

  async policyFor(projectId: string): Promise<ProjectPolicy> {
    return (await this.load()).state.projects.get(projectId)?.policy ?? DEFAULT_PROJECT_POLICY;
  }

  async execute(build: (at: string) => RegistryCommand, correlationId: string = randomUUID()): Promise<{ state: RegistryState; events: RegistryEvent[] }> {
    for (let attempt = 1; ; attempt += 1) {
      const { state, version } = await this.load();
      const at = this.clock().toISOString();
      const command = build(at);
      const events = decideRegistry(command, state);
      if (events.length === 0) return { state, events };
      const pending = events.map((event) => ({
        specversion: '1.0' as const, id: randomUUID(), source: this.source, type: registryWireType(event.type),
        subject: 'projectId' in event.data ? event.data.projectId : event.data.userId, time: at, datacontenttype: 'application/json' as const,
        actor: { userId: command.actor.userId, roles: [...command.actor.roles] }, correlationId, data: event.data,
      }));
      try {
        await this.store.appendToStream(REGISTRY_STREAM_ID, version, pending, { topic: Topics.registryEvents, key: REGISTRY_STREAM_ID });
        return { state: events.reduce(evolveRegistry, state), events };
      } catch (error) {
        if (!isConflict(error) || attempt >= 5) throw error;
      }
    }
  }
}
