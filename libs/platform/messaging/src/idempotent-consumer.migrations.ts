import { AdoptingMigration, type MigrationClass } from '@airlock/database';

export class MessagingHandledEvents1764547200101 extends AdoptingMigration {
  readonly legacyId = 'messaging-001-handled-events';
  readonly sql = `
      CREATE TABLE handled_events (
        consumer text NOT NULL,
        event_id text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );
    `;
}

export const idempotentConsumerMigrations: readonly MigrationClass[] = [MessagingHandledEvents1764547200101];
