import type { Migration } from '@airlock/database';

export const idempotentConsumerMigrations: readonly Migration[] = [
  {
    id: 'messaging-001-handled-events',
    sql: `
      CREATE TABLE handled_events (
        consumer text NOT NULL,
        event_id text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );
    `,
  },
];
