import { AdoptingMigration, SqlMigration, type MigrationClass } from '@airlock/database';

// The role the audit service writes as: it may read and append, never change or remove (issue 5:
// "enforced in the database, not only in code"). The service connects with `-c role=...`, or as a
// login role that is a member of this one (AIRLOCK_AUDIT_DATABASE_URL).
export const AUDIT_WRITER_ROLE = 'airlock_audit_writer';

/** Query fields of a record, as indexed (migration audit-004): queries must use these exact expressions. */
export const META = {
  eventId: "(meta->>'eventId')",
  subject: "(meta->>'subject')",
  type: "(meta->>'type')",
  actorId: "(meta->>'actorId')",
  projectId: "(meta->>'projectId')",
  time: "(meta->>'time')",
  fileHashes: "(meta->'fileHashes')",
} as const;

/**
 * Runs after the event store's migrations (the writer also inserts the audit topic's outbox rows).
 * `audit-001-audit-log` (an earlier, updatable table) is no longer applied; databases that have it
 * keep it untouched, it is simply not read.
 */
export class AuditChain1764547200201 extends AdoptingMigration {
  readonly legacyId = 'audit-002-chain';
  readonly sql = `
      CREATE TABLE audit_records (
        position bigint PRIMARY KEY CHECK (position > 0),
        prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        record_hash text NOT NULL CHECK (record_hash ~ '^[0-9a-f]{64}$'),
        -- The exact bytes hashed (canonical JSON of envelope, recordedAt, topic).
        body text NOT NULL,
        -- Query columns are generated from the hashed body: nobody can change one apart from it.
        event_id text GENERATED ALWAYS AS ((body::jsonb) #>> '{envelope,id}') STORED NOT NULL,
        topic text GENERATED ALWAYS AS ((body::jsonb) ->> 'topic') STORED,
        type text GENERATED ALWAYS AS ((body::jsonb) #>> '{envelope,type}') STORED,
        subject text GENERATED ALWAYS AS ((body::jsonb) #>> '{envelope,subject}') STORED,
        actor_id text GENERATED ALWAYS AS ((body::jsonb) #>> '{envelope,actor,userId}') STORED,
        project_id text GENERATED ALWAYS AS ((body::jsonb) #>> '{envelope,data,projectId}') STORED,
        event_time text GENERATED ALWAYS AS ((body::jsonb) #>> '{envelope,time}') STORED,
        file_hashes jsonb GENERATED ALWAYS AS (jsonb_path_query_array((body::jsonb) -> 'envelope' -> 'data', 'strict $.**.sha256')) STORED,
        CONSTRAINT audit_records_event_id_unique UNIQUE (event_id)
      );
      CREATE INDEX audit_records_subject ON audit_records (subject, position);
      CREATE INDEX audit_records_type ON audit_records (type, position);
      CREATE INDEX audit_records_actor ON audit_records (actor_id, position);
      CREATE INDEX audit_records_project ON audit_records (project_id, position) WHERE project_id IS NOT NULL;
      CREATE INDEX audit_records_time ON audit_records (event_time);
      CREATE INDEX audit_records_file_hashes ON audit_records USING gin (file_hashes jsonb_path_ops);

      CREATE TABLE audit_checkpoints (
        position bigint NOT NULL CHECK (position > 0),
        head_hash text NOT NULL,
        signed_at text NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL,
        public_key text NOT NULL,
        PRIMARY KEY (position, key_id)
      );

      -- Defence in depth: even the owner and superusers cannot UPDATE, DELETE or TRUNCATE without
      -- first disabling these triggers, itself a visible act (and verification still catches it).
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
      END
      $fn$;
      CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

      -- Roles are cluster-wide: another schema's migration may have created it already (or a DBA did).
      DO $do$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${AUDIT_WRITER_ROLE}') THEN
          CREATE ROLE ${AUDIT_WRITER_ROLE} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END
      $do$;
      DO $do$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${AUDIT_WRITER_ROLE}', current_schema()); END $do$;
      REVOKE ALL ON audit_records, audit_checkpoints FROM PUBLIC;
      REVOKE ALL ON audit_records, audit_checkpoints FROM ${AUDIT_WRITER_ROLE};
      GRANT SELECT, INSERT ON audit_records, audit_checkpoints TO ${AUDIT_WRITER_ROLE};
      -- The audit topic's records leave through the outbox, in the same transaction as the append.
      GRANT INSERT ON outbox TO ${AUDIT_WRITER_ROLE};
      GRANT USAGE ON SEQUENCE outbox_id_seq TO ${AUDIT_WRITER_ROLE};
    `;
}

export class AuditRetention1764547200202 extends AdoptingMigration {
  readonly legacyId = 'audit-003-retention';
  readonly sql = `
      -- Retention sweeps (owner role): intent before the delete, so a crash in between still ends in a record.
      CREATE TABLE audit_retention_deletions (
        stage text NOT NULL,
        object_key text NOT NULL,
        request_id text NOT NULL,
        file_id text,
        sha256 text,
        version_id text,
        size bigint,
        state text NOT NULL CHECK (state IN ('deleting', 'recorded')),
        started_at timestamptz NOT NULL DEFAULT now(),
        recorded_at timestamptz,
        PRIMARY KEY (stage, object_key)
      );
      CREATE TABLE audit_retention_swept (
        request_id text PRIMARY KEY,
        swept_at timestamptz NOT NULL DEFAULT now()
      );
    `;
}

export class AuditQueryMetaAndPublication1764547200203 extends AdoptingMigration {
  readonly legacyId = 'audit-004-query-meta-and-publication';
  readonly sql = `
      -- One parse of the body per record instead of one per query column (appends were bound by it).
      -- Still generated: no query field can be changed apart from the hashed body.
      CREATE FUNCTION audit_record_meta(body text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
      DECLARE
        doc jsonb := body::jsonb;
        envelope jsonb := doc -> 'envelope';
      BEGIN
        RETURN jsonb_build_object(
          'eventId', envelope ->> 'id', 'topic', doc ->> 'topic', 'type', envelope ->> 'type', 'subject', envelope ->> 'subject',
          'actorId', envelope #>> '{actor,userId}', 'projectId', envelope #>> '{data,projectId}', 'time', envelope ->> 'time',
          'fileHashes', jsonb_path_query_array(envelope -> 'data', 'strict $.**.sha256'));
      END
      $fn$;
      ALTER TABLE audit_records
        DROP COLUMN event_id, DROP COLUMN topic, DROP COLUMN type, DROP COLUMN subject, DROP COLUMN actor_id,
        DROP COLUMN project_id, DROP COLUMN event_time, DROP COLUMN file_hashes,
        ADD COLUMN meta jsonb GENERATED ALWAYS AS (audit_record_meta(body)) STORED,
        ADD CONSTRAINT audit_records_event_id_present CHECK (${META.eventId} IS NOT NULL);
      CREATE UNIQUE INDEX audit_records_event_id ON audit_records (${META.eventId});
      CREATE INDEX audit_records_subject ON audit_records (${META.subject}, position);
      CREATE INDEX audit_records_type ON audit_records (${META.type}, position);
      CREATE INDEX audit_records_actor ON audit_records (${META.actorId}, position);
      CREATE INDEX audit_records_project ON audit_records (${META.projectId}, position) WHERE ${META.projectId} IS NOT NULL;
      CREATE INDEX audit_records_time ON audit_records (${META.time});
      CREATE INDEX audit_records_file_hashes ON audit_records USING gin (${META.fileHashes} jsonb_path_ops);

      -- The audit topic is published from the chain itself (the table is its own outbox): a cursor
      -- per topic, advanced after the broker acknowledged. The writer may move it; it is not the log.
      CREATE TABLE audit_publication (
        topic text PRIMARY KEY,
        position bigint NOT NULL CHECK (position >= 0)
      );
      GRANT SELECT, INSERT, UPDATE ON audit_publication TO ${AUDIT_WRITER_ROLE};
    `;
}

export class AuditRecordTraceContext1764547200204 extends SqlMigration {
  // The W3C trace context (traceparent, tracestate) of the event a record was made from, so the
  // audit topic's copy continues that trace. Telemetry beside the record, never hashed: the chain
  // is verified from `body` alone, and the append-only triggers guard this column as any other.
  readonly sql = 'ALTER TABLE audit_records ADD COLUMN trace_headers jsonb';
}

export class AuditAppendWithoutReparsing1764547200205 extends SqlMigration {
  // Appends were bound by per-row work in the database (issue 14): parsing every body again to
  // generate `meta` (~35 µs a row) and two bounded-repetition regular expressions (~17 µs each).
  //  - `meta` is now written by the appender, built from the same object as the hashed body
  //    (apps/audit/src/audit-record-meta.ts); a row inserted without it still gets it from the body
  //    (an older appender during an upgrade, or a hand-made row). It stays as unchangeable as before:
  //    the append-only triggers refuse every UPDATE, and `audit_record_meta` is kept so that any
  //    range can be compared with its bodies (audit-log.repository.ts, `metaMismatch`).
  //  - The hash checks say the same thing (64 lowercase hex digits) without the regex {64} bound.
  readonly sql = `
      ALTER TABLE audit_records ALTER COLUMN meta DROP EXPRESSION;
      ALTER TABLE audit_records ALTER COLUMN meta SET NOT NULL;
      CREATE FUNCTION audit_record_fill_meta() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.meta := audit_record_meta(NEW.body);
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER audit_records_meta_from_body BEFORE INSERT ON audit_records
        FOR EACH ROW WHEN (NEW.meta IS NULL) EXECUTE FUNCTION audit_record_fill_meta();
      -- Also in sessions that switch ordinary triggers off (session_replication_role = replica).
      ALTER TABLE audit_records ENABLE ALWAYS TRIGGER audit_records_meta_from_body;
      ALTER TABLE audit_records
        DROP CONSTRAINT audit_records_prev_hash_check,
        DROP CONSTRAINT audit_records_record_hash_check,
        ADD CONSTRAINT audit_records_prev_hash_hex CHECK (length(prev_hash) = 64 AND prev_hash !~ '[^0-9a-f]'),
        ADD CONSTRAINT audit_records_record_hash_hex CHECK (length(record_hash) = 64 AND record_hash !~ '[^0-9a-f]');
    `;
}

export const auditLogMigrations: readonly MigrationClass[] = [
  AuditChain1764547200201,
  AuditRetention1764547200202,
  AuditQueryMetaAndPublication1764547200203,
  AuditRecordTraceContext1764547200204,
  AuditAppendWithoutReparsing1764547200205,
];
