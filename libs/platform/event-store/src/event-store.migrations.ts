import type { Migration } from '@airlock/database';

// Append-only by design (DESIGN.md invariant 3): the code never updates or deletes `events`;
// database grants will enforce it for the service roles.
export const eventStoreMigrations: readonly Migration[] = [
  {
    id: 'event-store-001-events-and-outbox',
    sql: `
      CREATE TABLE events (
        global_position bigserial PRIMARY KEY,
        event_id text NOT NULL CONSTRAINT events_event_id_unique UNIQUE,
        stream_id text NOT NULL,
        stream_version integer NOT NULL CHECK (stream_version > 0),
        type text NOT NULL,
        envelope jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
      );
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL,
        topic text NOT NULL,
        key text NOT NULL,
        payload jsonb NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
    `,
  },
  {
    // Invariant 9 (no slow poison): a row the broker keeps refusing is retried with its own back-off,
    // then parked; the later rows of its stream (topic and key) wait behind it, no other stream does.
    id: 'event-store-outbox-parking',
    sql: `
      ALTER TABLE outbox
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN first_failed_at timestamptz,
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN last_error text,
        ADD COLUMN parked_at timestamptz,
        ADD COLUMN park_reason text;
      CREATE INDEX outbox_held_back ON outbox (topic, key, id)
        WHERE published_at IS NULL AND (parked_at IS NOT NULL OR next_attempt_at IS NOT NULL);
    `,
  },
];
