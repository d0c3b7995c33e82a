import type { RequestState } from '@airlock/domain';
import { retentionDecision, retentionEnabled } from './retention.policy';

const file = (n: number, keys: Record<string, string>) => ({
  fileId: `f${n}`,
  name: `f${n}.csv`,
  group: 'g',
  kind: 'output',
  sha256: String(n).repeat(64).slice(0, 64),
  size: 10,
  draftKey: `d/${n}`,
  votes: [],
  exceptions: [],
  ...keys,
});

// Only the fields retention reads; the rest of a folded request is irrelevant here.
const aRequest = (status: string, files: ReturnType<typeof file>[]) => ({ status, requestId: 'r', projectId: 'p', files }) as unknown as RequestState;
const ended = (status: string, time: string) => [
  { type: 'airlock.request.created.v1', time: '2026-01-01T00:00:00.000Z' },
  { type: `airlock.request.${status}.v1`, time },
];

describe('retention', () => {
  const days = { released: 30, rejected: 7, blocked: 1 };

  it('deletes released files once their retention has run from the release', () => {
    const state = aRequest('released', [file(1, { quarantineKey: 'q/1', releasedKey: 'rel/1' }), file(2, { quarantineKey: 'q/2' })]);
    expect(retentionDecision(state, ended('released', '2026-01-01T00:00:00.000Z'), '2026-01-30T23:59:59.000Z', days)).toEqual({
      expired: false,
      reason: 'not-yet',
      expiresAt: '2026-01-31T00:00:00.000Z',
    });
    expect(retentionDecision(state, ended('released', '2026-01-01T00:00:00.000Z'), '2026-01-31T00:00:00.000Z', days)).toMatchObject({
      expired: true,
      status: 'released',
      retentionDays: 30,
      objects: [{ stage: 'released', key: 'rel/1', fileId: 'f1' }],
    });
  });

  it("deletes a blocked request's infected file from blocked and its other files from quarantine", () => {
    const state = aRequest('blocked', [file(1, { quarantineKey: 'q/1', blockedKey: 'b/1' }), file(2, { quarantineKey: 'q/2' })]);
    expect(retentionDecision(state, ended('blocked', '2026-01-01T00:00:00.000Z'), '2026-01-03T00:00:00.000Z', days)).toMatchObject({
      expired: true,
      objects: [
        { stage: 'blocked', key: 'b/1' },
        { stage: 'quarantine', key: 'q/2' },
      ],
    });
  });

  it('deletes rejected files where they are kept', () => {
    const state = aRequest('rejected', [file(1, { quarantineKey: 'q/1', rejectedKey: 'rej/1' }), file(2, { quarantineKey: 'q/2' })]);
    expect(retentionDecision(state, ended('rejected', '2026-01-01T00:00:00.000Z'), '2026-02-01T00:00:00.000Z', days)).toMatchObject({
      expired: true,
      objects: [
        { stage: 'rejected', key: 'rej/1' },
        { stage: 'quarantine', key: 'q/2' },
      ],
    });
  });

  it.each(['draft', 'awaiting_review', 'withdrawn', 'revoked', 'failed'])('leaves a %s request alone', (status) => {
    expect(retentionDecision(aRequest(status, []), ended(status, '2020-01-01T00:00:00.000Z'), '2026-01-01T00:00:00.000Z', days)).toMatchObject({
      expired: false,
      reason: 'not-terminal',
    });
  });

  it('keeps files for ever when no retention is configured for their end', () => {
    expect(retentionDecision(aRequest('released', []), ended('released', '2020-01-01T00:00:00.000Z'), '2026-01-01T00:00:00.000Z', { blocked: 1 })).toEqual({
      expired: false,
      reason: 'kept-for-ever',
    });
    expect(retentionEnabled({})).toBe(false);
    expect(retentionEnabled({ rejected: 0 })).toBe(true);
  });
});
