import { deciderSpec } from '../testing/decider-spec';
import { DEFAULT_IMPORT_POLICY, classifyImport, importPolicyOf, importRefusal, type ImportPolicy } from './import-policy';
import { decide } from './request.decide';
import type { RequestEvent } from './request.events';
import { evolve, fold } from './request.evolve';
import { AT, AUTHOR, CHECKER_1, CLEAN, GROUP, command, sha, system } from './request.builders';
import { initialState, type ExistingRequest } from './request.state';

const spec = deciderSpec({ decide, evolve, initialState });
const text = (s: string) => new TextEncoder().encode(s);
const ELF = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const PDF = text('%PDF-1.7\n1 0 obj\n');

describe('classifying an incoming file by its name and its bytes', () => {
  it.each([
    ['analysis.py', text('import pandas as pd\n'), 'code'],
    ['lookup.csv', text('code,label\n1,a\n2,b\n'), 'data'],
    ['README.md', text('# Notes\n'), 'documents'],
    ['paper.pdf', PDF, 'documents'],
  ])('%s is %s', (name, head, kind) => {
    expect(classifyImport(head, name).kind).toBe(kind);
  });

  it.each([
    ['an executable, whatever its name', 'model.py', ELF],
    ['a name of no importable kind', 'setup.exe', text('hello')],
    ['content that is not what the name says', 'data.csv', PDF],
    ['an empty file', 'empty.csv', new Uint8Array()],
  ])('refuses %s', (_what, name, head) => {
    const found = classifyImport(head, name);
    expect(found.kind).toBe('unrecognised');
    expect(importRefusal(DEFAULT_IMPORT_POLICY, found)).toMatch(/^not an importable file: /);
  });

  it('refuses a kind the project does not allow, naming the kinds it does', () => {
    expect(importRefusal({ allowedKinds: ['data'] }, { kind: 'code', mediaType: 'text/plain' })).toBe(
      'this project does not allow code to be imported (allowed: data)',
    );
    expect(importRefusal({ allowedKinds: ['data'] }, { kind: 'data', mediaType: 'text/csv' })).toBeUndefined();
  });

  it('defaults: packages opt-in, disclosure checks off, one checker; a project overrides member by member', () => {
    expect(DEFAULT_IMPORT_POLICY).toEqual({ allowedKinds: ['code', 'data', 'documents'], disclosureChecks: false, requiredApprovals: 1 });
    expect(importPolicyOf({})).toEqual(DEFAULT_IMPORT_POLICY);
    expect(importPolicyOf({ imports: { requiredApprovals: 2 } as ImportPolicy }).requiredApprovals).toBe(2);
  });
});

const CSV = { kind: 'data' as const, mediaType: 'text/csv' };
const created: RequestEvent = {
  type: 'RequestCreated',
  data: { requestId: 'imp-1', projectId: 'proj-1', title: 'Lookup tables', authorId: AUTHOR.userId, direction: 'import', createdAt: AT },
};
const grouped: RequestEvent = { type: 'GroupDefined', data: { requestId: 'imp-1', group: GROUP, context: 'Reference data', controls: 'n/a', definedAt: AT } };
const upload = { fileId: 'f1', name: 'lookup.csv', group: GROUP, kind: 'code' as const, sha256: sha('f1'), size: 10, draftKey: 'd/f1' };
const uploaded: RequestEvent = { type: 'FileUploaded', data: { requestId: 'imp-1', ...upload, content: CSV, uploadedAt: AT } };
const submitImport = (imports: ImportPolicy = DEFAULT_IMPORT_POLICY) =>
  command('Submit', AUTHOR, {
    quarantineKeys: { f1: 'q/f1' },
    policy: { requiredApprovals: 2, extraApprovalForReview: true, extraApprovalForKinds: [] },
    disclosure: {},
    imports,
  });
const run = (events: RequestEvent[], ...commands: Parameters<typeof decide>[0][]) => commands.reduce((acc, c) => [...acc, ...decide(c, fold(acc))], events);

describe('an import request', () => {
  it('records its direction; a request created before directions existed reads as an export', () => {
    spec
      .given([])
      .when(command('CreateRequest', AUTHOR, { requestId: 'imp-1', projectId: 'proj-1', title: 'Lookup tables', direction: 'import' }))
      .then([created]);
    const { direction: _dropped, ...old } = created.data as Extract<RequestEvent, { type: 'RequestCreated' }>['data'];
    expect((fold([{ type: 'RequestCreated', data: old }]) as ExistingRequest).direction).toBe('export');
    spec
      .given([])
      .when(command('CreateRequest', AUTHOR, { requestId: 'imp-1', projectId: 'proj-1', title: 't', direction: 'sideways' as 'import' }))
      .thenRefuses('INVALID_COMMAND');
  });

  it('keeps the classification of an allowed file, and refuses a kind the project does not allow before review', () => {
    spec
      .given([created, grouped])
      .when(command('AddFile', AUTHOR, { ...upload, importCheck: { content: CSV, allowedKinds: ['data'] } }))
      .then([uploaded]);
    spec
      .given([created, grouped])
      .when(command('AddFile', AUTHOR, { ...upload, importCheck: { content: CSV, allowedKinds: ['code'] } }))
      .thenRefuses('FILE_KIND_NOT_ALLOWED');
    spec
      .given([created, grouped])
      .when(
        command('AddFile', AUTHOR, { ...upload, importCheck: { content: { kind: 'unrecognised', mediaType: 'application/x-elf' }, allowedKinds: ['data'] } }),
      )
      .thenRefuses('FILE_KIND_NOT_ALLOWED');
    spec
      .given([created, grouped])
      .when(command('AddFile', AUTHOR, upload))
      .thenRefuses('INVALID_COMMAND');
  });

  it('refuses submission when the policy no longer allows a file, or arrives without the import policy', () => {
    spec
      .given([created, grouped, uploaded])
      .when(submitImport({ ...DEFAULT_IMPORT_POLICY, allowedKinds: ['code'] }))
      .thenRefuses('FILE_KIND_NOT_ALLOWED');
    spec
      .given([created, grouped, uploaded])
      .when(
        command('Submit', AUTHOR, {
          quarantineKeys: { f1: 'q/f1' },
          policy: { requiredApprovals: 2, extraApprovalForReview: true, extraApprovalForKinds: [] },
          disclosure: {},
        }),
      )
      .thenRefuses('INVALID_COMMAND');
  });

  it('goes from scan to one checker approval to the imported bucket, with no disclosure rule run', () => {
    const events = run(
      [created, grouped, uploaded],
      submitImport(),
      command('StartChecks', system, { turn: 1 }),
      command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: CLEAN }),
      command('CastVote', CHECKER_1, { fileId: 'f1', decision: 'approve' }),
      command('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('f1'), releasedKey: 'imported/imp-1/f1' }),
    );
    const submitted = events.find((e) => e.type === 'RequestSubmitted');
    expect(submitted?.data).toMatchObject({ direction: 'import', imports: DEFAULT_IMPORT_POLICY, policy: { requiredApprovals: 1 } });
    const checked = events.find((e) => e.type === 'FileChecked');
    expect(checked?.data).toMatchObject({ verdict: 'pass', findings: [], rulesVersion: 'not-run', policy: { disclosureChecks: false } });
    expect(events.map((e) => e.type).slice(3)).toEqual([
      'RequestSubmitted',
      'ChecksStarted',
      'FileScanned',
      'FileChecked',
      'ReviewOpened',
      'VoteCast',
      'RequestApproved',
      'FileReleased',
      'RequestReleased',
    ]);
    expect(events.find((e) => e.type === 'FileReleased')?.data).toMatchObject({ destination: 'imported' });
    expect(fold(events).status).toBe('released');
  });

  it('waits for the disclosure check when the project turns it on', () => {
    const events = run(
      [created, grouped, uploaded],
      submitImport({ ...DEFAULT_IMPORT_POLICY, disclosureChecks: true }),
      command('StartChecks', system, { turn: 1 }),
      command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: CLEAN }),
    );
    expect(events.map((e) => e.type).slice(-2)).toEqual(['ChecksStarted', 'FileScanned']);
    expect(fold(events).status).toBe('checking');
  });

  it('is blocked by malware like an export', () => {
    const events = run(
      [created, grouped, uploaded],
      submitImport(),
      command('StartChecks', system, { turn: 1 }),
      command('RecordScan', system, {
        turn: 1,
        fileId: 'f1',
        sha256: sha('f1'),
        result: { status: 'infected', signature: 'Eicar-Signature', engine: 'ClamAV test' },
        blockedKey: 'blocked/imp-1/f1',
      }),
    );
    expect(events.map((e) => e.type).slice(-3)).toEqual(['FileScanned', 'FileBlocked', 'RequestBlocked']);
    expect(events.some((e) => e.type === 'FileChecked')).toBe(false);
  });
});
