import type { RecordAudience } from './release-record.types';

export type StaffRole = 'checker' | 'administrator';

/**
 * Names people as the audience may see them. The TRE sees user ids; the author sees themself and
 * `system` by name, and everyone else as `checker-1`, `administrator-1`, ... numbered in order of
 * first appearance, so the same stream always gives the same pseudonyms.
 */
export function peopleFor(audience: RecordAudience, authorId: string): (userId: string, role: StaffRole) => string {
  if (audience === 'tre') return (userId) => userId;
  const names = new Map<string, string>();
  const counts: Record<StaffRole, number> = { checker: 0, administrator: 0 };
  return (userId, role) => {
    if (userId === authorId || userId === 'system') return userId;
    const known = names.get(userId);
    if (known) return known;
    counts[role] += 1;
    const name = `${role}-${counts[role]}`;
    names.set(userId, name);
    return name;
  };
}

export const staffRole = (roles: readonly string[]): StaffRole => (roles.includes('administrator') && !roles.includes('output_checker') ? 'administrator' : 'checker');
