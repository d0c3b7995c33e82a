// Who acts. Roles come from the identity provider's token; `system` is a service acting on
// its own (scanner, checker, release), never a person.
export type ActorRole = 'researcher' | 'output_checker' | 'administrator' | 'auditor' | 'system';

export type Actor = {
  userId: string;
  roles: readonly ActorRole[];
};

export const SYSTEM_ACTOR: Actor = { userId: 'system', roles: ['system'] };

export function hasRole(actor: Actor, role: ActorRole): boolean {
  return actor.roles.includes(role);
}
