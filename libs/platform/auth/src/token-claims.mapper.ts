import { ID_RULE, isValidId, type Actor, type ActorRole } from '@airlock/domain';
import type { JWTPayload } from 'jose';
import { AuthError } from './auth.errors';

// `system` is deliberately absent: it is a service acting on its own, so a person's token
// can never carry it, whatever the identity provider says.
const ROLES_A_PERSON_MAY_HOLD: ReadonlySet<ActorRole> = new Set<ActorRole>(['researcher', 'output_checker', 'administrator', 'auditor']);

/** Maps verified claims to an Actor: `sub` is the user; roles from `roles` and Keycloak's `realm_access.roles`. */
export function actorFromClaims(claims: JWTPayload): Actor {
  if (typeof claims.sub !== 'string' || claims.sub.trim() === '') {
    throw new AuthError('TOKEN_INVALID', 'Token has no subject');
  }
  // The subject becomes a user id everywhere (registry, events, audit): one grammar for ids.
  if (!isValidId(claims.sub)) throw new AuthError('TOKEN_INVALID', `Token subject must be ${ID_RULE}`);
  return { userId: claims.sub, roles: rolesFromClaims(claims) };
}

export function rolesFromClaims(claims: JWTPayload): ActorRole[] {
  const realmAccess = claims['realm_access'];
  const keycloakRoles = isRecord(realmAccess) ? realmAccess['roles'] : undefined;
  const claimed = [...asArray(claims['roles']), ...asArray(keycloakRoles)];
  // Unknown roles (Keycloak adds offline_access, uma_authorization, ...) are dropped, not errors.
  const known = claimed.filter((role): role is ActorRole => typeof role === 'string' && ROLES_A_PERSON_MAY_HOLD.has(role as ActorRole));
  return [...new Set(known)];
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
