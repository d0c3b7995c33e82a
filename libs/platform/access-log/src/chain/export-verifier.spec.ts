import { generateSigningKey, signCheckpoint, publicKeyFromPem, publicKeyPem, verifyCheckpoint } from './checkpoint';
import { GENESIS, nextLink, recordBody, type ChainLink } from './audit-chain';
import { checkpointLine, exportHeaderLine, recordLine } from './export-format';
import { ExportVerifier } from './export-verifier';

const { key } = generateSigningKey();
const other = generateSigningKey().key;

function chain(n: number): ChainLink[] {
  const links: ChainLink[] = [];
  let head = GENESIS;
  for (let i = 1; i <= n; i += 1) {
    const link = nextLink(
      head,
      recordBody({ envelope: { id: `e${i}`, subject: `r${i % 3}`, data: { note: 'ünïcödé ✓', n: i } }, recordedAt: '2026-11-28T00:00:00.000Z', topic: 't' }),
    );
    links.push(link);
    head = link;
  }
  return links;
}

function exportText(
  links: ChainLink[],
  { signAt, filter = {}, signer = key }: { signAt?: number; filter?: Record<string, string>; signer?: typeof key } = {},
): string {
  const lines = [
    exportHeaderLine({ from: links[0]?.position ?? null, to: links[links.length - 1]?.position ?? null, filter, exportedAt: '2026-11-28T01:00:00.000Z' }),
  ];
  if (signAt !== undefined) {
    const head = links.find((l) => l.position === signAt) ?? chain(signAt)[signAt - 1];
    lines.push(checkpointLine(signCheckpoint(signer, { position: signAt, headHash: head.recordHash }, '2026-11-28T00:30:00.000Z')));
  }
  return lines.join('') + links.map(recordLine).join('');
}

function verifyText(text: string, publicKey = key.publicKey) {
  const verifier = new ExportVerifier(publicKey);
  for (const line of Buffer.from(text).toString('utf8').split('\n')) verifier.line(Buffer.from(line));
  return verifier.finish();
}

describe('checkpoints', () => {
  it("verify with the signer's public key, exported and read back as PEM", () => {
    const checkpoint = signCheckpoint(key, { position: 3, headHash: 'a'.repeat(64) }, '2026-11-28T00:00:00.000Z');
    expect(verifyCheckpoint(publicKeyFromPem(publicKeyPem(key)), checkpoint)).toEqual({ valid: true });
    expect(verifyCheckpoint(key.publicKey, { ...checkpoint, position: 4 })).toEqual({ valid: false, reason: 'bad-signature' });
    expect(verifyCheckpoint(other.publicKey, checkpoint)).toEqual({ valid: false, reason: 'unknown-key' });
  });
});

describe('an exported file, verified offline', () => {
  it('verifies when a checkpoint in the file signs its records', () => {
    const verdict = verifyText(exportText(chain(50), { signAt: 45 }));
    expect(verdict).toMatchObject({ valid: true, status: 'verified', records: 50, firstPosition: 1, lastPosition: 50, signedThrough: 45, unsignedRecords: 5 });
  });

  it('verifies a range that starts mid-chain', () => {
    expect(verifyText(exportText(chain(50).slice(19), { signAt: 50 }))).toMatchObject({
      valid: true,
      firstPosition: 20,
      signedThrough: 50,
      unsignedRecords: 0,
    });
  });

  it('names a record altered in the file', () => {
    const text = exportText(chain(20), { signAt: 20 }).replace('"n":7,', '"n":8,');
    expect(verifyText(text)).toMatchObject({ valid: false, status: 'tampered', finding: { kind: 'altered', position: 7 } });
  });

  it('names a record deleted from the file', () => {
    const lines = exportText(chain(20), { signAt: 20 }).split('\n');
    lines.splice(2 + 9, 1);
    expect(verifyText(lines.join('\n'))).toMatchObject({ valid: false, finding: { kind: 'deleted', position: 10 } });
  });

  it('names reordered lines', () => {
    const lines = exportText(chain(20), { signAt: 20 }).split('\n');
    [lines[6], lines[7]] = [lines[7], lines[6]];
    expect(verifyText(lines.join('\n'))).toMatchObject({ valid: false, finding: { position: 5 } });
  });

  it('catches a file whose tail was cut below the signed head', () => {
    expect(
      verifyText(
        exportText(chain(30), { signAt: 30 })
          .split('\n')
          .slice(0, 2 + 25)
          .join('\n'),
      ),
    ).toMatchObject({ valid: false, finding: { kind: 'deleted', position: 26 } });
  });

  it('catches a whole chain rebuilt after an edit, since its head is not the signed one', () => {
    const original = chain(10);
    const checkpoint = signCheckpoint(key, { position: 10, headHash: original[9].recordHash }, '2026-11-28T00:30:00.000Z');
    const forged: ChainLink[] = [];
    let head = GENESIS;
    for (const link of original) {
      const next = nextLink(head, link.position === 4 ? '{"forged":true}' : link.body.toString());
      forged.push(next);
      head = next;
    }
    const text = exportHeaderLine({ from: 1, to: 10, filter: {}, exportedAt: 'x' }) + checkpointLine(checkpoint) + forged.map(recordLine).join('');
    expect(verifyText(text)).toMatchObject({ valid: false, finding: { kind: 'rewritten', position: 10 } });
  });

  it('refuses a checkpoint signed by another key', () => {
    expect(verifyText(exportText(chain(5), { signAt: 5, signer: other }))).toMatchObject({
      valid: false,
      status: 'tampered',
      checkpoints: [{ signature: 'unknown-key' }],
    });
  });

  it('is unsigned without a checkpoint', () => {
    expect(verifyText(exportText(chain(5)))).toMatchObject({ valid: false, status: 'unsigned', records: 5 });
  });

  it('checks a filtered export record by record but cannot sign it as a whole', () => {
    const subset = chain(12).filter((l) => l.position % 3 === 0 || l.position === 4);
    expect(verifyText(exportText(subset, { signAt: 12, filter: { requestId: 'r0' } }))).toMatchObject({
      valid: false,
      status: 'unsigned',
      records: 5,
      reason: expect.stringContaining('filtered'),
    });
    const altered = exportText(subset, { signAt: 12, filter: { requestId: 'r0' } }).replace('"n":9,', '"n":10,');
    expect(verifyText(altered)).toMatchObject({ status: 'tampered', finding: { kind: 'altered', position: 9 } });
  });

  it('reports an unreadable line', () => {
    expect(verifyText(`${exportText(chain(3), { signAt: 3 })}not json\n`)).toMatchObject({
      valid: false,
      status: 'unreadable',
      reason: expect.stringContaining('line 6'),
    });
  });
});
