import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { accessEnvelope, verifyStoredChain, type AccessEnvelope } from '@airlock/access-log';
import { createDb, type Db } from '@airlock/database';
import { expectEventually, realStack, startServiceProcess, uniqueId, writeTestAuditSigningKey, type ServiceProcess } from '@airlock/testing';

// At-least-once delivery meets a crash: every event delivered twice, the audit service killed
// (SIGKILL) in the middle of the stream, the events delivered a third time, the service restarted.
// Afterwards: exactly one record per event, and a valid chain. The service runs as a real process on
// a database, topics and consumer group of its own, so the shared chain is never touched.
jest.setTimeout(300_000);

const EVENTS = 3_000;
const PORT = 3750;
const id = uniqueId('redelivery').replace(/[^a-z0-9]/g, '_');
const inTopic = `e2e.audit-redelivery.in.${id}`;
const outTopic = `e2e.audit-redelivery.out.${id}`;
const stack = realStack();
const kafka = new Kafka({ clientId: 'e2e-audit-redelivery', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });

let admin: Db;
let db: Db;
let databaseUrl: string;
let producer: Producer;
let dataDir: string;
let signingKeyFile: string;
let audit: ServiceProcess | undefined;
const events: AccessEnvelope[] = Array.from({ length: EVENTS }, (_, n) =>
  accessEnvelope(
    {
      kind: 'fileViewed',
      actor: { userId: `user-${n % 7}`, roles: ['output_checker'] },
      action: 'GET /reviews/:id/files/:fileId/content',
      outcome: 'succeeded',
      requestId: `00000000-0000-4000-8000-${String(n % 40).padStart(12, '0')}`,
      at: new Date(Date.UTC(2026, 10, 28, 0, 0, n)).toISOString(),
    },
    { id: `${id}-${n}`, source: '/airlock/e2e' },
  ),
);

function env(): Record<string, string> {
  return {
    AIRLOCK_DATABASE_URL: databaseUrl,
    AIRLOCK_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    AIRLOCK_S3_ENDPOINT: stack.s3.endpoint,
    AIRLOCK_S3_ACCESS_KEY: stack.s3.accessKeyId,
    AIRLOCK_S3_SECRET_KEY: stack.s3.secretAccessKey,
    AIRLOCK_S3_REGION: stack.s3.region,
    AIRLOCK_DATA_DIR: dataDir,
    // On real servers the audit service needs a key of its own and an OIDC issuer; no token is
    // presented in this test, so the issuer is never asked for its keys.
    AIRLOCK_AUDIT_SIGNING_KEY_FILE: signingKeyFile,
    AIRLOCK_OIDC_ISSUER: 'https://idp.e2e.test',
    AIRLOCK_OIDC_JWKS_URL: 'https://idp.e2e.test/.well-known/jwks.json',
    AIRLOCK_AUDIT_PORT: String(PORT),
    AIRLOCK_AUDIT_GROUP_ID: `e2e-audit-${id}`,
    AIRLOCK_AUDIT_TOPICS: inTopic,
    AIRLOCK_AUDIT_TOPIC: outTopic,
    AIRLOCK_LOG_LEVEL: process.env.AIRLOCK_E2E_LOG_LEVEL ?? 'warn',
  };
}

async function deliverAll(): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await producer.send({ topic: inTopic, messages: events.slice(i, i + 500).map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });
  }
}

const recorded = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_records')).rows[0].n);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'airlock-audit-redelivery-'));
  signingKeyFile = writeTestAuditSigningKey();
  admin = createDb({ url: stack.databaseUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${id}`);
  const url = new URL(stack.databaseUrl);
  url.pathname = `/${id}`;
  databaseUrl = url.toString();
  db = createDb({ url: databaseUrl, max: 2 });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: inTopic, numPartitions: 3 },
      { topic: outTopic, numPartitions: 3 },
    ],
  });
  await kafkaAdmin.disconnect();
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await audit?.kill('SIGTERM');
  await producer?.disconnect();
  await db?.close();
  await admin?.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
  await admin?.close();
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.deleteTopics({ topics: [inTopic, outTopic] }).catch(() => undefined);
  await kafkaAdmin.disconnect();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (signingKeyFile) rmSync(path.dirname(signingKeyFile), { recursive: true, force: true });
});

describe('the audit service under redelivery and a crash', () => {
  it('keeps exactly one record per event and a valid chain', async () => {
    await deliverAll();
    await deliverAll();
    audit = await startServiceProcess('audit', PORT, env());
    // Kill it mid-stream: some records appended, not all.
    await expectEventually(async () => expect(await recorded()).toBeGreaterThanOrEqual(300), { timeoutMs: 120_000, intervalMs: 20 });
    await audit.kill('SIGKILL');
    const atKill = await recorded();
    expect(atKill).toBeLessThan(EVENTS);
    await deliverAll();
    audit = await startServiceProcess('audit', PORT, env());
    await expectEventually(async () => expect(await recorded()).toBe(EVENTS), { timeoutMs: 180_000, intervalMs: 250 });

    const { rows } = await db.query<{ n: string; distinct_ids: string; max_position: string }>(
      `SELECT count(*) AS n, count(DISTINCT meta->>'eventId') AS distinct_ids, max(position) AS max_position FROM audit_records`,
    );
    expect(rows[0]).toEqual({ n: String(EVENTS), distinct_ids: String(EVENTS), max_position: String(EVENTS) });
    const ids = (await db.query<{ event_id: string }>(`SELECT meta->>'eventId' AS event_id FROM audit_records`)).rows.map((r) => r.event_id);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    expect(await verifyStoredChain(db)).toMatchObject({ valid: true, count: EVENTS });
    // Per key, the records keep the order of delivery.
    const order = (
      await db.query<{ subject: string; event_id: string }>(
        `SELECT meta->>'subject' AS subject, meta->>'eventId' AS event_id FROM audit_records ORDER BY position`,
      )
    ).rows;
    for (const subject of new Set(events.map((e) => e.subject))) {
      expect(order.filter((r) => r.subject === subject).map((r) => r.event_id)).toEqual(events.filter((e) => e.subject === subject).map((e) => e.id));
    }
    process.stdout.write(`redelivery: ${EVENTS} events delivered 3x, killed at ${atKill} records, ${EVENTS} records after restart\n`);
  });

  it('publishes one record per position on its audit topic (consumers deduplicate on the id)', async () => {
    const consumer = kafka.consumer({ groupId: `e2e-audit-out-${id}` });
    const byId = new Map<string, { position: number; eventId: string }>();
    await consumer.connect();
    await consumer.subscribe({ topic: outTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const record = JSON.parse(String(message.value)) as { id: string; type: string; data: { position: number; eventId: string } };
        if (record.type === 'airlock.audit.record.v1') byId.set(record.id, { position: record.data.position, eventId: record.data.eventId });
      },
    });
    try {
      await expectEventually(() => expect(byId.size).toBe(EVENTS), { timeoutMs: 120_000, intervalMs: 250 });
      const positions = [...byId.values()].map((r) => r.position).sort((a, b) => a - b);
      expect(positions).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
      expect(new Set([...byId.values()].map((r) => r.eventId)).size).toBe(EVENTS);
    } finally {
      await consumer.disconnect();
    }
  });
});
