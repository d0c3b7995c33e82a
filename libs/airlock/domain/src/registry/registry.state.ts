import type { Actor } from '../identity/actor';
import type { ProjectPolicy, RegistryEvent } from './registry.events';

export type Project = { projectId: string; name: string; policy: ProjectPolicy; members: string[]; checkers: string[] };
// Keyed by id in Maps, never in plain objects: an id such as `constructor` or `toString` is an
// ordinary id and must not find something on Object.prototype (docs/design.md invariant 8).
export type RegistryState = {
  projects: ReadonlyMap<string, Project>;
  accreditations: ReadonlyMap<string, { expiresAt: string }>;
};

export const initialRegistry: RegistryState = { projects: new Map(), accreditations: new Map() };

function withEntry<V>(map: ReadonlyMap<string, V>, key: string, value: V): ReadonlyMap<string, V> {
  return new Map(map).set(key, value);
}

function withoutEntry<V>(map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}

function withProject(state: RegistryState, projectId: string, change: (p: Project) => Project): RegistryState {
  const project = state.projects.get(projectId);
  return project ? { ...state, projects: withEntry(state.projects, projectId, change(project)) } : state;
}

export function evolveRegistry(state: RegistryState, event: RegistryEvent): RegistryState {
  switch (event.type) {
    case 'ProjectCreated': {
      const { projectId, name, policy } = event.data;
      return { ...state, projects: withEntry(state.projects, projectId, { projectId, name, policy, members: [], checkers: [] }) };
    }
    case 'ProjectPolicyChanged':
      return withProject(state, event.data.projectId, (p) => ({ ...p, policy: event.data.policy }));
    case 'MemberAdded':
      return withProject(state, event.data.projectId, (p) => ({ ...p, members: [...p.members, event.data.userId] }));
    case 'MemberRemoved':
      return withProject(state, event.data.projectId, (p) => ({ ...p, members: p.members.filter((m) => m !== event.data.userId) }));
    case 'CheckerAssigned':
      return withProject(state, event.data.projectId, (p) => ({ ...p, checkers: [...p.checkers, event.data.userId] }));
    case 'CheckerUnassigned':
      return withProject(state, event.data.projectId, (p) => ({ ...p, checkers: p.checkers.filter((c) => c !== event.data.userId) }));
    case 'AccreditationGranted':
      return { ...state, accreditations: withEntry(state.accreditations, event.data.userId, { expiresAt: event.data.expiresAt }) };
    case 'AccreditationRevoked':
      return { ...state, accreditations: withoutEntry(state.accreditations, event.data.userId) };
  }
}

/** The registry's facts about a person, added to the identity from their token. */
export function withRegistryFacts(state: RegistryState, actor: Actor): Actor {
  const accreditation = state.accreditations.get(actor.userId);
  const projects = [...state.projects.values()];
  const projectIds = projects.filter((p) => p.members.includes(actor.userId)).map((p) => p.projectId);
  const checksProjectIds = projects.filter((p) => p.checkers.includes(actor.userId)).map((p) => p.projectId);
  return { ...actor, projectIds, checksProjectIds, ...(accreditation ? { accreditedUntil: accreditation.expiresAt } : {}) };
}
