import { parseEnvelope, Topics } from '@airlock/contracts';
import { accessEnvelope, ACCESS_EVENT_TYPES, type AccessEvent } from './access-event';
import { RecordingAccessLog } from './access-log';
import { refusalAccessEvent, requestIdFromPath } from './http-refusal';

const REQUEST_ID = '6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

const aDownload = (overrides: Partial<AccessEvent> = {}): AccessEvent => ({
  kind: 'fileDownloaded',
  actor: { userId: 'alice', roles: ['researcher'], clientAddress: '10.0.0.7' },
  action: 'GET /requests/:id/files/:fileId/content',
  outcome: 'succeeded',
  requestId: REQUEST_ID,
  projectId: 'p-1',
  file: { fileId: 'f-1', name: 'table.csv', sha256: 'a'.repeat(64), stage: 'released', key: 'requests/x/table.csv' },
  at: '2026-11-28T10:00:00.000Z',
  ...overrides,
});

describe('access events', () => {
  it('are CloudEvents envelopes that every consumer of the audited topics accepts', () => {
    const envelope = accessEnvelope(aDownload(), { id: 'e-1', source: '/airlock/ingress' });
    expect(parseEnvelope(JSON.stringify(envelope))).toEqual(envelope);
    expect(envelope).toMatchObject({
      type: 'airlock.access.file-downloaded.v1',
      subject: REQUEST_ID,
      time: '2026-11-28T10:00:00.000Z',
      actor: { userId: 'alice', roles: ['researcher'] },
      streamId: 'access-e-1',
      streamVersion: 1,
      correlationId: 'e-1',
      data: {
        action: 'GET /requests/:id/files/:fileId/content',
        outcome: 'succeeded',
        clientAddress: '10.0.0.7',
        requestId: REQUEST_ID,
        projectId: 'p-1',
        file: { sha256: 'a'.repeat(64) },
      },
    });
  });

  it('take the user as subject when no request is involved, so the topic key is never empty', () => {
    const envelope = accessEnvelope(aDownload({ kind: 'auditQueried', requestId: undefined, file: undefined }), { id: 'e-2', source: '/airlock/audit' });
    expect(envelope.subject).toBe('user:alice');
    expect(envelope.type).toBe(ACCESS_EVENT_TYPES.auditQueried);
  });

  it('have versioned wire types in the airlock.access namespace', () => {
    for (const type of Object.values(ACCESS_EVENT_TYPES)) expect(type).toMatch(/^airlock\.access\.[a-z-]+\.v\d+$/);
    expect(Topics.accessEvents).toBe('airlock.access-events.v1');
  });

  it('can be collected in memory by tests', async () => {
    const log = new RecordingAccessLog();
    await log.record(aDownload());
    expect(log.recorded.map((e) => e.type)).toEqual(['airlock.access.file-downloaded.v1']);
  });
});

describe('refusals answered over HTTP', () => {
  const refusal = {
    method: 'post',
    path: `/reviews/${REQUEST_ID}/files/f-9/votes`,
    route: '/reviews/:id/files/:fileId/votes',
    clientAddress: '10.1.2.3',
    at: '2026-11-28T10:00:00.000Z',
  };

  it.each([
    [403, 'SELF_REVIEW'],
    [403, 'ROLE_REQUIRED'],
    [403, 'NOT_ACCREDITED'],
    [401, 'TOKEN_EXPIRED'],
  ])('become a denied access event (%i %s)', (status, code) => {
    const event = refusalAccessEvent({ ...refusal, status, code, actor: status === 403 ? { userId: 'olga', roles: ['output_checker'] } : undefined });
    expect(event).toMatchObject({
      kind: 'denied',
      outcome: 'denied',
      reasonCode: code,
      action: 'POST /reviews/:id/files/:fileId/votes',
      requestId: REQUEST_ID,
      file: { fileId: 'f-9' },
      actor: { clientAddress: '10.1.2.3' },
      details: { status },
    });
  });

  it("name an unauthenticated caller anonymous and keep the token's claim apart", () => {
    const event = refusalAccessEvent({ ...refusal, status: 401, code: 'TOKEN_INVALID', claimedUserId: 'mallory' });
    expect(event?.actor).toEqual({ userId: 'anonymous', roles: [], clientAddress: '10.1.2.3' });
    expect(event?.details).toMatchObject({ claimedUserId: 'mallory' });
  });

  it.each([400, 404, 409, 422, 500, 503])('are not access refusals when the status is %i', (status) => {
    expect(refusalAccessEvent({ ...refusal, status, code: 'X' })).toBeUndefined();
  });

  it('find the request in request and review paths only', () => {
    expect(requestIdFromPath(`/requests/${REQUEST_ID.toUpperCase()}/submit`)).toBe(REQUEST_ID);
    expect(requestIdFromPath(`/reviews/${REQUEST_ID}`)).toBe(REQUEST_ID);
    expect(requestIdFromPath('/requests/not-a-uuid')).toBeUndefined();
    expect(requestIdFromPath('/audit/records')).toBeUndefined();
  });
});
