import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR } from '@airlock/contracts';
import type { PendingEvent } from './event-store';

/** A pending event with fresh ids: tests share tables, so nothing may collide. */
export function aPendingEvent(overrides: Partial<PendingEvent> = {}): PendingEvent {
  const id = randomUUID();
  return {
    specversion: '1.0',
    id,
    source: '/airlock/test',
    type: 'airlock.test.happened.v1',
    subject: 'subject',
    time: new Date(0).toISOString(),
    datacontenttype: 'application/json',
    actor: SYSTEM_ACTOR,
    correlationId: id,
    data: { n: 0 },
    ...overrides,
  };
}

export function pendingEvents(count: number, overrides: Partial<PendingEvent> = {}): PendingEvent[] {
  return Array.from({ length: count }, (_, n) => aPendingEvent({ data: { n }, ...overrides }));
}

export function uniqueStreamId(prefix = 'stream'): string {
  return `${prefix}-${randomUUID()}`;
}
