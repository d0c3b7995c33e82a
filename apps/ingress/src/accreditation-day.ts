import { HttpProblem } from '@airlock/http';

/** `YYYY-MM-DD`, a real day after today: the end of that day, UTC. */
export function endOfDay(value: unknown, now: string): string {
  const day = typeof value === 'string' ? value.trim() : '';
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T23:59:59.000Z`) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day)
    throw new HttpProblem(400, 'INVALID_ACCREDITATION', 'Enter the last day of the accreditation as a date, for example 2027-03-31');
  if (parsed.toISOString() <= now) throw new HttpProblem(400, 'INVALID_ACCREDITATION', 'The accreditation must end after today');
  return parsed.toISOString();
}
