import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { requestEnvelope, requestStreamId, Topics, type EventEnvelope } from '@airlock/contracts';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { DEFAULT_APPROVAL_POLICY, SYSTEM_ACTOR, type RequestEvent } from '@airlock/domain';
import { eventStoreMigrations, PostgresEventStore } from '@airlock/event-store';
import { IdempotentConsumer, idempotentConsumerMigrations, type ReceivedMessage } from '@airlock/messaging';
import { RequestCommandHandler } from '@airlock/application';
import { FaultInjectingObjectStore, S3ObjectStore, STAGES, type ObjectStore, type Stage } from '@airlock/storage';
import { realStack } from '@airlock/testing';

// Crash-restart tests of the multi-step moves (docs/design.md invariant 7) on the real PostgreSQL and
// S3 server: a schema and buckets of the suite's own, requests appended as events, a store that
// dies after a chosen step, and a fresh worker for the redelivery.

/** What a worker sees when its process dies: nothing after the step runs (no catch swallows it). */
export class SimulatedCrash extends Error {
  readonly code = 'SIMULATED_CRASH';
}

export type MovesHarness = {
  db: Db;
  events: PostgresEventStore;
  store: S3ObjectStore;
  requests(): RequestCommandHandler;
  consumer(name: string): IdempotentConsumer;
  dispose(): Promise<void>;
};

export async function movesHarness(name: string): Promise<MovesHarness> {
  const stack = realStack();
  const suffix = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
  const schema = `${name}_${suffix}`.replace(/[^a-z0-9_]/g, '_');
  const admin = createDb({ url: stack.databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = createDb({ url: stack.databaseUrl, max: 4, schema, applicationName: `test-${name}` });
  await runMigrations(db, [...eventStoreMigrations, ...idempotentConsumerMigrations]);
  const buckets = Object.fromEntries(STAGES.map((s) => [s, `${name.replace(/[^a-z0-9]/g, '-')}-${suffix}-${s}`])) as Record<Stage, string>;
  const store = new S3ObjectStore({ ...stack.s3, buckets });
  await store.ensureBuckets();
  const events = new PostgresEventStore(db);
  return {
    db,
    events,
    store,
    requests: () => new RequestCommandHandler(events, `/test/${name}`),
    consumer: (consumerName) => new IdempotentConsumer(db, consumerName),
    async dispose() {
      for (const stage of STAGES) {
        for (const o of await store.list(stage, '')) await store.delete(stage, o.key);
      }
      store.close();
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** Appends domain events to a request's stream as the services would; returns the stored envelopes. */
export async function appendRequestEvents(events: PostgresEventStore, requestId: string, domainEvents: RequestEvent[]): Promise<EventEnvelope[]> {
  const { version } = await events.readStream(requestStreamId(requestId));
  const pending = domainEvents.map((event) =>
    requestEnvelope(event, requestId, { id: randomUUID(), source: '/test', time: new Date().toISOString(), actor: SYSTEM_ACTOR, correlationId: requestId }),
  );
  return (await events.appendToStream(requestStreamId(requestId), version, pending, { topic: Topics.requestEvents, key: requestId })).events;
}

/** The Kafka message a consumer would receive for `envelope`. */
export function messageOf(envelope: EventEnvelope): ReceivedMessage {
  return { topic: Topics.requestEvents, key: envelope.subject, value: JSON.stringify(envelope), partition: 0, offset: '0' };
}

/**
 * A store that lets step `step` (0-based, counting puts, copies and deletes) reach the server and
 * then fails the caller (`fail`, as a lost reply) or throws SimulatedCrash (`crash`, the process dies).
 */
export function faultyAfter(store: ObjectStore, step: number, outcome: 'fail' | 'crash'): FaultInjectingObjectStore {
  return new FaultInjectingObjectStore(
    store,
    (_s, index) => (index === step ? outcome : 'continue'),
    () => {
      throw new SimulatedCrash(`crashed after step ${step}`);
    },
  );
}

/** Counts the mutating steps one clean run of `work` takes, so a test can crash after each in turn. */
export async function stepsOf(store: ObjectStore, work: (store: ObjectStore) => Promise<void>): Promise<number> {
  const counting = new FaultInjectingObjectStore(store, () => 'continue');
  await work(counting);
  return counting.stepCount;
}

export const sha256Hex = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex');

export async function putText(store: ObjectStore, stage: Stage, key: string, content: string | Buffer): Promise<void> {
  await store.putStream(stage, key, Readable.from([Buffer.from(content)]), { maxBytes: 1024 * 1024 });
}

/** A file's content: text, or bytes (a workbook, an archive). */
export type RealFile = { fileId: string; name: string; content: string | Buffer };

/**
 * The events of a request submitted in turn 1 whose files are frozen in quarantine (the caller puts
 * the bytes there), with real SHA-256s; `upTo` stops at a later point of the lifecycle.
 */
export function submittedRequestEvents(
  requestId: string,
  files: RealFile[],
  upTo: 'submitted' | 'approved' | 'rejected' = 'submitted',
): { events: RequestEvent[]; keys: Record<string, string> } {
  const at = new Date().toISOString();
  const group = 'tables';
  const keys = Object.fromEntries(files.map((f) => [f.fileId, `requests/${requestId}/turn-1/${sha256Hex(f.content)}/${f.name}`]));
  const submitted = files.map((f) => ({
    fileId: f.fileId,
    name: f.name,
    group,
    kind: 'output' as const,
    sha256: sha256Hex(f.content),
    size: Buffer.byteLength(f.content),
    quarantineKey: keys[f.fileId],
  }));
  const events: RequestEvent[] = [
    { type: 'RequestCreated', data: { requestId, projectId: 'proj-moves', title: 'Moves', authorId: 'alice', createdAt: at } },
    { type: 'GroupDefined', data: { requestId, group, context: 'Counts', controls: 'Rounded', definedAt: at } },
    ...files.map((f, i): RequestEvent => ({
      type: 'FileUploaded',
      data: {
        requestId,
        fileId: f.fileId,
        name: f.name,
        group,
        kind: 'output',
        sha256: submitted[i].sha256,
        size: submitted[i].size,
        draftKey: `draft/${requestId}/${f.fileId}`,
        uploadedAt: at,
      },
    })),
    {
      type: 'RequestSubmitted',
      data: {
        requestId,
        turn: 1,
        files: submitted,
        groups: [{ group, context: 'Counts', controls: 'Rounded' }],
        policy: DEFAULT_APPROVAL_POLICY,
        disclosure: {},
        carriedVotes: [],
        submittedBy: 'alice',
        submittedAt: at,
      },
    },
  ];
  if (upTo === 'submitted') return { events, keys };
  const clean = { status: 'clean', engine: 'test' } as const;
  events.push({ type: 'ChecksStarted', data: { requestId, turn: 1, startedAt: at } });
  for (const f of submitted) {
    events.push({ type: 'FileScanned', data: { requestId, turn: 1, fileId: f.fileId, sha256: f.sha256, result: clean, scannedAt: at } });
    events.push({
      type: 'FileChecked',
      data: {
        requestId,
        turn: 1,
        fileId: f.fileId,
        sha256: f.sha256,
        verdict: 'pass',
        fileType: 'csv',
        findings: [],
        rulesVersion: 'test',
        policy: {},
        checkedAt: at,
      },
    });
  }
  events.push({ type: 'ReviewOpened', data: { requestId, turn: 1, openedAt: at } });
  if (upTo === 'approved') {
    events.push({ type: 'RequestApproved', data: { requestId, turn: 1, approvers: ['chris', 'dana'], policy: DEFAULT_APPROVAL_POLICY, decidedAt: at } });
  } else {
    events.push({ type: 'RequestRejected', data: { requestId, turn: 1, rejectedBy: ['chris'], policy: DEFAULT_APPROVAL_POLICY, decidedAt: at } });
  }
  return { events, keys };
}

/** Two small tables, the files of the request each move test releases, rejects or revokes. */
export const TWO_TABLES: RealFile[] = [
  { fileId: 'f1', name: 'admissions.csv', content: 'ward,count\na,120\nb,140\n' },
  { fileId: 'f2', name: 'deaths.csv', content: 'ward,count\na,30\nb,45\n' },
];
export const ADMIN_ACTOR = { userId: 'root', roles: ['administrator' as const], projectIds: [] };
