import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { AccessLog } from '@airlock/access-log';
import { Topics, requestEnvelope, requestStreamId, type EventEnvelope } from '@airlock/contracts';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { PostgresEventStore, eventStoreMigrations } from '@airlock/event-store';
import { loadConfig } from '@airlock/config';
import {
  IdempotentConsumer,
  InProcessMessageBus,
  MessageBusTransport,
  PermanentMessageError,
  idempotentConsumerMigrations,
  type ReceivedMessage,
} from '@airlock/messaging';
import { releaseRecordFixtures } from '@airlock/release-record';
import { RequestCommandHandler } from '@airlock/application';
import type { Infra } from '@airlock/runtime';
import { expectEventually, realStack } from '@airlock/testing';
import pino from 'pino';
import { WebhookNotifier } from './webhook-notifier';
import { webhookNotifications } from './webhook-notifications';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.fixture';
import { WebhookSender } from './webhook-sender';

// The notifier on real PostgreSQL (event store, idempotent consumer, the outbox the audit trail
// reads) and a real HTTP receiver: once per event, retried, and a give-up recorded for auditors.
const SECRET = 'whsec-integration-0123456789';
const { REQUEST_ID, releasedStream } = releaseRecordFixtures;
const schema = `webhooks_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
let admin: Db;
let db: Db;
let requests: RequestCommandHandler;
let stored: EventEnvelope[];
let hook: WebhookReceiver;

const message = (envelope: EventEnvelope): ReceivedMessage => ({
  topic: Topics.requestEvents,
  key: envelope.subject,
  value: JSON.stringify(envelope),
  partition: 0,
  offset: String(envelope.streamVersion),
});
const storedOf = (type: string) => stored.find((e) => e.type === type) as EventEnvelope;

function notifier(url: string, consumerName: string, maxAttempts = 4): WebhookNotifier {
  const sender = new WebhookSender({ urls: [url], secret: SECRET, maxAttempts, timeoutMs: 2000, backoff: { initialMs: 5, maxMs: 20 } });
  return new WebhookNotifier(
    requests,
    sender,
    new IdempotentConsumer(db, consumerName),
    new AccessLog(db, { source: '/airlock/egress-review' }),
    pino({ level: 'silent' }),
  );
}

beforeAll(async () => {
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = createDb({ url: realStack().databaseUrl, max: 4, schema });
  await runMigrations(db, [...eventStoreMigrations, ...idempotentConsumerMigrations]);
  const events = new PostgresEventStore(db);
  requests = new RequestCommandHandler(events, '/test');
  const pending = releasedStream()
    .build()
    .map((r) =>
      requestEnvelope(r.event, REQUEST_ID, {
        id: randomUUID(),
        source: '/test',
        time: r.time,
        actor: { userId: r.actor.userId, roles: r.actor.roles as never },
        correlationId: 'corr-1',
      }),
    );
  stored = (await events.appendToStream(requestStreamId(REQUEST_ID), 0, pending, { topic: Topics.requestEvents, key: REQUEST_ID })).events;
});

afterAll(async () => {
  await db.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.close();
});

beforeEach(async () => {
  hook = await startWebhookReceiver(SECRET);
});
afterEach(() => hook.close());

describe('webhook notifier', () => {
  it('sends one verified notification per event, through failures, and none again on redelivery', async () => {
    hook.answer(503, 503, 200);
    const sut = notifier(hook.url, 'webhooks-a');
    const changes = message(storedOf('airlock.request.changes-requested.v1'));
    await sut.onMessage(changes);
    expect(hook.received).toHaveLength(3);
    expect(hook.received.every((r) => r.check.valid)).toBe(true);
    expect(JSON.parse(hook.received[2].body)).toMatchObject({
      id: storedOf('airlock.request.changes-requested.v1').id,
      type: 'request.changes_requested',
      request: { requestId: REQUEST_ID, projectId: 'proj-1', authorId: 'alice', turn: 1, status: 'changes_requested' },
    });
    await sut.onMessage(changes);
    await notifier(hook.url, 'webhooks-a').onMessage(changes);
    expect(hook.received).toHaveLength(3);
  });

  it('lets quiet events pass by', async () => {
    await notifier(hook.url, 'webhooks-b').onMessage(message(storedOf('airlock.request.vote-cast.v1')));
    await notifier(hook.url, 'webhooks-b').onMessage(message(storedOf('airlock.request.file-checked.v1')));
    expect(hook.received).toHaveLength(0);
  });

  it('gives up after its attempts, records the failure for the audit trail, and moves on', async () => {
    hook.answer(500);
    const released = message(storedOf('airlock.request.released.v1'));
    await expect(notifier(hook.url, 'webhooks-c', 3).onMessage(released)).resolves.toBeUndefined();
    expect(hook.received).toHaveLength(3);
    const { rows } = await db.query<{ payload: string | Record<string, unknown> }>('SELECT payload FROM outbox WHERE topic = $1', [Topics.accessEvents]);
    const recorded = rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload));
    expect(recorded).toEqual([
      expect.objectContaining({
        type: 'airlock.access.admin-action.v1',
        subject: REQUEST_ID,
        correlationId: 'corr-1',
        actor: { userId: 'system', roles: ['system'] },
        data: expect.objectContaining({
          action: 'notification.webhook',
          outcome: 'failed',
          reasonCode: 'WEBHOOK_DELIVERY_FAILED',
          projectId: 'proj-1',
          details: expect.objectContaining({ notificationType: 'request.released', attempts: 3, lastStatus: 500, endpoint: new URL(hook.url).origin }),
        }),
      }),
    ]);
    // Handled: a redelivery neither posts again nor records a second failure.
    await notifier(hook.url, 'webhooks-c', 3).onMessage(released);
    expect(hook.received).toHaveLength(3);
    expect((await db.query('SELECT 1 FROM outbox WHERE topic = $1', [Topics.accessEvents])).rowCount).toBe(1);
  });

  it('dead-letters a message that is not an event envelope', async () => {
    const junk: ReceivedMessage = { topic: Topics.requestEvents, key: 'k', value: 'not json', partition: 0, offset: '0' };
    await expect(notifier(hook.url, 'webhooks-d').onMessage(junk)).rejects.toBeInstanceOf(PermanentMessageError);
  });

  it('starts only when URLs are configured, and then from now on: nothing already published is sent', async () => {
    const bus = new InProcessMessageBus();
    const infra = { db, bus, accessLog: new AccessLog(db, { source: '/airlock/egress-review' }) } as unknown as Infra;
    const logger = pino({ level: 'silent' });
    expect(webhookNotifications(infra, loadConfig({ AIRLOCK_DEV_IDENTITY: 'true' }), requests, logger)).toBeUndefined();
    const publish = (type: string) => {
      const m = message(storedOf(type));
      return bus.publish([{ topic: m.topic, key: m.key, value: m.value }]);
    };
    await publish('airlock.request.submitted.v1');
    const config = loadConfig({
      AIRLOCK_DEV_IDENTITY: 'true',
      AIRLOCK_WEBHOOK_URLS: hook.url,
      AIRLOCK_WEBHOOK_SECRET: SECRET,
      AIRLOCK_WEBHOOK_BACKOFF_MS: '5',
    });
    const module = webhookNotifications(infra, config, requests, logger);
    if (!module) throw new Error('webhooks are configured: their module is expected');
    // Served as in the service: a Nest microservice on the bus.
    const consumers = await NestFactory.createMicroservice(module, { strategy: new MessageBusTransport(bus), logger: false });
    await consumers.listen();
    try {
      await publish('airlock.request.approved.v1');
      await expectEventually(() => expect(hook.received.map((r) => JSON.parse(r.body).type)).toEqual(['request.approved']));
    } finally {
      await consumers.close();
      await bus.close();
    }
  });
});
