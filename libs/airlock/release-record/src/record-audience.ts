import type { RecordAudience } from './release-record.types';

export type StaffRole = 'checker' | 'administrator';

const LABEL: Record<StaffRole, string> = { checker: 'Checker', administrator: 'Administrator' };

/**
 * Names people as the audience may see them. The TRE sees user ids; the author sees themself and
 * `system` by name, and everyone else as `Checker 1`, `Administrator 1`, ... Checkers keep the
 * number the request view gives them (`checkers`: the request's checkers in order of first act);
 * anyone else is numbered in order of first appearance, so the same stream always gives the same names.
 */
export function peopleFor(audience: RecordAudience, authorId: string, checkers: readonly string[] = []): (userId: string, role: StaffRole) => string {
  if (audience === 'tre') return (userId) => userId;
  const names = new Map<string, string>(checkers.map((userId, index) => [userId, `${LABEL.checker} ${index + 1}`]));
  const counts: Record<StaffRole, number> = { checker: checkers.length, administrator: 0 };
  return (userId, role) => {
    if (userId === authorId || userId === 'system') return userId;
    const known = names.get(userId);
    if (known) return known;
    counts[role] += 1;
    const name = `${LABEL[role]} ${counts[role]}`;
    names.set(userId, name);
    return name;
  };
}

export const staffRole = (roles: readonly string[]): StaffRole =>
  roles.includes('administrator') && !roles.includes('output_checker') ? 'administrator' : 'checker';
