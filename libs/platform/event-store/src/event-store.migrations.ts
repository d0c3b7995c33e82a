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
];
