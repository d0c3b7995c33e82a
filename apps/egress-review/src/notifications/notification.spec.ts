import { ConfigError, loadConfig } from '@airlock/config';
import { requestEnvelope, type EventEnvelope } from '@airlock/contracts';
import { fold, type ExistingRequest, type RequestEvent } from '@airlock/domain';
import { releaseRecordFixtures } from '@airlock/release-record';
import { isNotable, notificationFor } from './notification';

const { REQUEST_ID, PRIVATE_NOTE, OVERRIDE, releasedStream, revoked } = releaseRecordFixtures;
const stream = revoked(releasedStream()).build();
const state = fold(stream.map((r) => r.event)) as ExistingRequest;
const envelope = (event: RequestEvent, id = 'evt-x'): EventEnvelope => ({
  ...requestEnvelope(event, REQUEST_ID, {
    id,
    source: '/test',
    time: '2026-11-28T13:00:00.000Z',
    actor: { userId: 'system', roles: ['system'] },
    correlationId: 'c',
  }),
  streamId: `request-${REQUEST_ID}`,
  streamVersion: 1,
});

describe('webhook notifications', () => {
  it('has one type per notable fact, and none for the rest', () => {
    const types = stream.filter((r) => isNotable(envelope(r.event))).map((r) => notificationFor(envelope(r.event), state)?.type);
    expect(types).toEqual([
      'request.submitted',
      'request.review_opened',
      'request.changes_requested',
      'request.submitted',
      'request.review_opened',
      'request.approved',
      'request.released',
      'request.revoked',
    ]);
    const quiet = stream.filter((r) => ['VoteCast', 'CommentAdded', 'FileChecked', 'FileReleased'].includes(r.event.type));
    expect(quiet.map((r) => notificationFor(envelope(r.event), state))).toEqual(quiet.map(() => undefined));
  });

  it('says which request, project, author, turn and status, under the event id, and nothing of the contents', () => {
    const changes = stream.find((r) => r.event.type === 'ChangesRequested')?.event as RequestEvent;
    const notification = notificationFor(envelope(changes, 'evt-42'), state);
    expect(notification).toEqual({
      id: 'evt-42',
      type: 'request.changes_requested',
      schemaVersion: 1,
      occurredAt: '2026-11-28T13:00:00.000Z',
      request: { requestId: REQUEST_ID, projectId: 'proj-1', authorId: 'alice', turn: 1, status: 'changes_requested' },
    });
    const everything = JSON.stringify(stream.map((r) => notificationFor(envelope(r.event), state)));
    expect(everything).not.toMatch(new RegExp(`${PRIVATE_NOTE}|${OVERRIDE}|Suppress ward C|threshold|cells|by-ward\\.csv|Found disclosive`));
  });

  it("carries the system's reason for a block or a failure, never a person's", () => {
    const blocked = notificationFor(
      envelope({ type: 'RequestBlocked', data: { requestId: REQUEST_ID, turn: 2, reason: 'malware found: Eicar-Signature', blockedAt: 'x' } }),
      state,
    );
    expect(blocked).toMatchObject({ type: 'request.blocked', reason: 'malware found: Eicar-Signature' });
    const revocation = stream.find((r) => r.event.type === 'RequestRevoked')?.event as RequestEvent;
    expect(notificationFor(envelope(revocation), state)).not.toHaveProperty('reason');
  });
});

describe('webhook configuration', () => {
  it('is off by default, with bounded attempts and capped back-off', () => {
    expect(loadConfig({ AIRLOCK_DEV_IDENTITY: 'true' }).webhooks).toEqual({
      urls: [],
      secret: undefined,
      maxAttempts: 6,
      timeoutMs: 5000,
      backoff: { initialMs: 1000, maxMs: 30_000 },
    });
  });
  it('reads comma-separated URLs and the secret', () => {
    const config = loadConfig({
      AIRLOCK_DEV_IDENTITY: 'true',
      AIRLOCK_WEBHOOK_URLS: 'https://chat.example/hook/T0K3N, http://127.0.0.1:8080/airlock',
      AIRLOCK_WEBHOOK_SECRET: 'a-long-enough-secret',
      AIRLOCK_WEBHOOK_MAX_ATTEMPTS: '3',
    });
    expect(config.webhooks).toMatchObject({
      urls: ['https://chat.example/hook/T0K3N', 'http://127.0.0.1:8080/airlock'],
      secret: 'a-long-enough-secret',
      maxAttempts: 3,
    });
  });
  it.each([
    [{ AIRLOCK_WEBHOOK_URLS: 'https://chat.example/hook' }],
    [{ AIRLOCK_WEBHOOK_URLS: 'ftp://files.example/x', AIRLOCK_WEBHOOK_SECRET: 'a-long-enough-secret' }],
    [{ AIRLOCK_WEBHOOK_URLS: 'not a url', AIRLOCK_WEBHOOK_SECRET: 'a-long-enough-secret' }],
    [{ AIRLOCK_WEBHOOK_URLS: 'https://chat.example/hook', AIRLOCK_WEBHOOK_SECRET: 'short' }],
    [{ AIRLOCK_WEBHOOK_MAX_ATTEMPTS: '0' }],
  ])('refuses to boot on %j', (env) => {
    expect(() => loadConfig({ AIRLOCK_DEV_IDENTITY: 'true', ...env })).toThrow(ConfigError);
  });
});
