import { Readable } from 'node:stream';
import type { RegistryHandler } from '@airlock/application';
import type { ExistingRequest, RequestFile } from '@airlock/domain';
import type { ObjectStore } from '@airlock/storage';
import { FindingsPreview } from './findings-preview';

// Pure: the draft bucket and the registry are in memory; the disclosure rules are the real ones.
const RISKY = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';
const SAFE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';

function file(fileId: string, name: string, body: string, extra: Partial<RequestFile> = {}): RequestFile {
  return {
    fileId,
    name,
    group: 'tables',
    kind: 'output',
    sha256: '0'.repeat(64),
    size: Buffer.byteLength(body),
    draftKey: `draft/${fileId}`,
    votes: [],
    exceptions: [],
    ...extra,
  } as RequestFile;
}

function previewOver(bodies: Record<string, string>, disclosure: Record<string, unknown> = {}, maxBytes?: number) {
  const read: string[] = [];
  const store = {
    getStream: async (stage: string, key: string) => {
      read.push(`${stage}:${key}`);
      return Readable.from([Buffer.from(bodies[key] ?? '')]);
    },
  } as unknown as ObjectStore;
  const registry = { policyFor: async () => ({ approval: {}, disclosure }) } as unknown as RegistryHandler;
  return { preview: new FindingsPreview(store, registry, 10, maxBytes), read };
}

const request = (files: RequestFile[]) => ({ projectId: 'p1', files }) as unknown as ExistingRequest;

describe('FindingsPreview', () => {
  it('runs the disclosure rules on a draft and puts the finding on the small cell, recording nothing', async () => {
    const files = [file('f1', 'risky.csv', RISKY), file('f2', 'safe.csv', SAFE)];
    const { preview, read } = previewOver({ 'draft/f1': RISKY, 'draft/f2': SAFE });
    const shown = await preview.checkOf(request(files), files[0]);
    expect(shown).toMatchObject({ preview: true, check: { verdict: 'fail', policy: expect.objectContaining({ threshold: 10 }) } });
    const findings = shown && 'check' in shown ? shown.check.findings : [];
    expect(findings.map((f) => [f.rule, f.cells.map((c) => [c.row, c.column])])).toEqual([['threshold', [[0, 1]]]]);
    expect(read.every((key) => key.startsWith('draft:'))).toBe(true);
    const safe = await preview.checkOf(request(files), files[1]);
    expect(safe).toMatchObject({ check: { verdict: 'pass', findings: [] } });
  });

  it("applies the project's threshold over the airlock's default", async () => {
    const files = [file('f1', 'risky.csv', RISKY)];
    const { preview } = previewOver({ 'draft/f1': RISKY }, { minCellCount: 3 });
    await expect(preview.checkOf(request(files), files[0])).resolves.toMatchObject({
      check: { verdict: 'pass', policy: expect.objectContaining({ threshold: 3 }) },
    });
  });

  it('shows the recorded check once there is one, and reads nothing for it', async () => {
    const check = { verdict: 'fail' as const, fileType: 'csv', findings: [], rulesVersion: '1', policy: {} };
    const files = [file('f1', 'risky.csv', RISKY, { quarantineKey: 'q/f1', check })];
    const { preview, read } = previewOver({});
    await expect(preview.checkOf(request(files), files[0])).resolves.toEqual({ check, preview: false });
    expect(read).toEqual([]);
  });

  it('does not preview a group larger than its limit', async () => {
    const files = [file('f1', 'risky.csv', RISKY), file('f2', 'safe.csv', SAFE)];
    const { preview, read } = previewOver({ 'draft/f1': RISKY, 'draft/f2': SAFE }, {}, Buffer.byteLength(RISKY) + 1);
    await expect(preview.checkOf(request(files), files[0])).resolves.toEqual({ tooLarge: true });
    expect(read).toEqual([]);
  });
});
