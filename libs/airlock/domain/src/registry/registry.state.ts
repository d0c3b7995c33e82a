import type { Actor } from '../identity/actor';
import type { ProjectPolicy, RegistryEvent } from './registry.events';

export type Project = { projectId: string; name: string; policy: ProjectPolicy; members: string[]; checkers: string[] };
export type RegistryState = {
  projects: Record<string, Project>;
  accreditations: Record<string, { expiresAt: string }>;
};

export const initialRegistry: RegistryState = { projects: {}, accreditations: {} };

function withProject(state: RegistryState, projectId: string, change: (p: Project) => Project): RegistryState {
  const project = state.projects[projectId];
  return project ? { ...state, projects: { ...state.projects, [projectId]: change(project) } } : state;
}

export function evolveRegistry(state: RegistryState, event: RegistryEvent): RegistryState {
  switch (event.type) {
    case 'ProjectCreated': {
      const { projectId, name, policy } = event.data;
      return { ...state, projects: { ...state.projects, [projectId]: { projectId, name, policy, members: [], checkers: [] } } };
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
      return { ...state, accreditations: { ...state.accreditations, [event.data.userId]: { expiresAt: event.data.expiresAt } } };
    case 'AccreditationRevoked': {
      const { [event.data.userId]: _revoked, ...rest } = state.accreditations;
      return { ...state, accreditations: rest };
    }
  }
}

/** The registry's facts about a person, added to the identity from their token. */
export function withRegistryFacts(state: RegistryState, actor: Actor): Actor {
  const accreditation = state.accreditations[actor.userId];
  const projects = Object.values(state.projects);
  const projectIds = projects.filter((p) => p.members.includes(actor.userId)).map((p) => p.projectId);
  const checksProjectIds = projects.filter((p) => p.checkers.includes(actor.userId)).map((p) => p.projectId);
  return { ...actor, projectIds, checksProjectIds, ...(accreditation ? { accreditedUntil: accreditation.expiresAt } : {}) };
}
