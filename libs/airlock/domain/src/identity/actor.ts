// Who acts. Roles come from the identity provider's token; accreditation and project
// memberships come from the airlock's own registry (safe people), added by the handler.
// `system` is a service acting on its own (scanner, checker, release), never a person.
export type ActorRole = 'researcher' | 'output_checker' | 'administrator' | 'auditor' | 'system';

export type Actor = {
  userId: string;
  roles: readonly ActorRole[];
  /** End of the person's accreditation (RFC 3339); absent = not accredited. */
  accreditedUntil?: string;
  /** Projects the person is a member of (any role). */
  projectIds?: readonly string[];
  /** Projects whose requests the person is assigned to check. */
  checksProjectIds?: readonly string[];
};

export const SYSTEM_ACTOR: Actor = { userId: 'system', roles: ['system'] };

export function hasRole(actor: Actor, role: ActorRole): boolean {
  return actor.roles.includes(role);
}

/** Accredited at `at`: a person whose accreditation lapsed is refused, whatever their token says. */
export function isAccredited(actor: Actor, at: string): boolean {
  return actor.accreditedUntil !== undefined && actor.accreditedUntil > at;
}

export function isMemberOf(actor: Actor, projectId: string): boolean {
  return actor.projectIds?.includes(projectId) ?? false;
}

export function checksProject(actor: Actor, projectId: string): boolean {
  return actor.checksProjectIds?.includes(projectId) ?? false;
}
