import { AdoptingMigration, type MigrationClass } from '@airlock/database';

// Append-only by design (docs/design.md invariant 3): the code never updates or deletes `events`, and
// since event-store-002 the database enforces it (issue 9, finding 11), as for the audit log.

/**
 * The role the services' event-store connections act as (a login role that is a member of it, or
 * `-c role=...`): it may read and append events, and work the outbox, never change or remove an event.
 */
export const EVENT_WRITER_ROLE = 'airlock_event_writer';

export class EventStoreEventsAndOutbox1764547200001 extends AdoptingMigration {
  readonly legacyId = 'event-store-001-events-and-outbox';
  readonly sql = `
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
    `;
}

export class EventStoreEventsAppendOnly1764547200002 extends AdoptingMigration {
  readonly legacyId = 'event-store-002-events-append-only';
  readonly sql = `
      -- Defence in depth: even the owner and superusers cannot UPDATE, DELETE or TRUNCATE events
      -- without first disabling these triggers, itself a visible act.
      CREATE FUNCTION event_store_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'the event log is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END
      $fn$;
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION event_store_refuse_change();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION event_store_refuse_change();

      -- Roles are cluster-wide: another schema's migration may have created it already (or a DBA did).
      DO $do$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${EVENT_WRITER_ROLE}') THEN
          CREATE ROLE ${EVENT_WRITER_ROLE} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END
      $do$;
      DO $do$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${EVENT_WRITER_ROLE}', current_schema()); END $do$;
      REVOKE ALL ON events FROM PUBLIC;
      REVOKE ALL ON events FROM ${EVENT_WRITER_ROLE};
      GRANT SELECT, INSERT ON events TO ${EVENT_WRITER_ROLE};
      GRANT USAGE ON SEQUENCE events_global_position_seq TO ${EVENT_WRITER_ROLE};
      -- The outbox is a work queue, not the log: the relay marks rows published (and may clear them).
      GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO ${EVENT_WRITER_ROLE};
      GRANT USAGE ON SEQUENCE outbox_id_seq TO ${EVENT_WRITER_ROLE};
    `;
}

// Invariant 9 (no slow poison): a row the broker keeps refusing is retried with its own back-off,
// then parked; the later rows of its stream (topic and key) wait behind it, no other stream does.
export class EventStoreOutboxParking1764547200003 extends AdoptingMigration {
  readonly legacyId = 'event-store-outbox-parking';
  readonly sql = `
      ALTER TABLE outbox
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN first_failed_at timestamptz,
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN last_error text,
        ADD COLUMN parked_at timestamptz,
        ADD COLUMN park_reason text;
      CREATE INDEX outbox_held_back ON outbox (topic, key, id)
        WHERE published_at IS NULL AND (parked_at IS NOT NULL OR next_attempt_at IS NOT NULL);
    `;
}

// The released-bucket reconciler and the load bench read events by type across all streams.
export class EventStoreEventsByType1764547200004 extends AdoptingMigration {
  readonly legacyId = 'event-store-003-events-by-type';
  readonly sql = `CREATE INDEX events_by_type ON events (type, stream_id);`;
}

/** In timestamp order; every service runs them at start (libs/platform/runtime/src/infra.ts). */
export const eventStoreMigrations: readonly MigrationClass[] = [
  EventStoreEventsAndOutbox1764547200001,
  EventStoreEventsAppendOnly1764547200002,
  EventStoreOutboxParking1764547200003,
  EventStoreEventsByType1764547200004,
];
