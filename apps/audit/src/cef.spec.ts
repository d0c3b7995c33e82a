import { cefLine, cefSeverity } from './cef';
import type { AuditRecord } from './audit-record';
import { anEnvelope } from './audit.test-kit';

const record = (envelope: Partial<AuditRecord['envelope']>): AuditRecord => ({
  position: 12,
  eventId: 'e',
  topic: 'airlock.access-events.v1',
  recordedAt: '2026-11-28T10:00:01.000Z',
  prevHash: 'a'.repeat(64),
  recordHash: 'b'.repeat(64),
  envelope: anEnvelope({ time: '2026-11-28T10:00:00.000Z', ...envelope }),
});

describe('CEF lines for SIEM tools', () => {
  it('carry who, what, which request and file, when, the outcome and the chain position', () => {
    const line = cefLine(
      record({
        id: 'ev-1',
        type: 'airlock.access.denied.v1',
        subject: 'req-1',
        actor: { userId: 'olga', roles: ['researcher', 'output_checker'] },
        data: {
          action: 'POST /reviews/:id/files/:fileId/votes',
          outcome: 'denied',
          reasonCode: 'SELF_REVIEW',
          clientAddress: '10.0.0.9',
          file: { fileId: 'f1', name: 'a.csv', sha256: 'c'.repeat(64) },
        },
      }),
    );
    expect(line).toBe(
      'CEF:0|Airlock|airlock-audit|1.0|airlock.access.denied.v1|access denied|7|rt=1795860000000 externalId=ev-1 cat=airlock.access-events.v1 suid=olga suser=olga ' +
        'spriv=researcher,output_checker src=10.0.0.9 act=POST /reviews/:id/files/:fileId/votes outcome=denied reason=SELF_REVIEW fname=a.csv fileId=f1 ' +
        `fileHash=${'c'.repeat(64)} cs1Label=requestId cs1=req-1 cs3Label=recordHash cs3=${'b'.repeat(64)} cn1Label=auditPosition cn1=12\n`,
    );
  });

  it('escape separators so one record stays one line with intact fields', () => {
    const line = cefLine(record({ type: 'x|y', subject: 'user:eve', data: { action: 'a=b\\c\nd', projectId: 'p' } }));
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toContain('|x\\|y|');
    expect(line).toContain('act=a\\=b\\\\c\\nd');
    expect(line).not.toContain('cs1=');
    expect(line).toContain('cs2Label=projectId cs2=p');
  });

  it('weigh refusals and malware above routine facts', () => {
    expect(cefSeverity('airlock.request.blocked.v1')).toBeGreaterThan(cefSeverity('airlock.access.denied.v1'));
    expect(cefSeverity('airlock.access.denied.v1')).toBeGreaterThan(cefSeverity('airlock.request.created.v1'));
  });
});
