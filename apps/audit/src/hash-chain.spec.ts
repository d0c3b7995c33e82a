import { GENESIS_HASH, recordHash, verifyChain, type ChainedRecord } from './hash-chain';
import { canonicalJson } from './canonical-json';

function chain(n: number): ChainedRecord[] {
  const records: ChainedRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let position = 1; position <= n; position += 1) {
    const base = { position, eventId: `e${position}`, topic: 't', envelope: { type: 'x', data: { n: position } }, recordedAt: '2026-11-28T00:00:00Z', prevHash };
    const record = { ...base, recordHash: recordHash(base) };
    records.push(record);
    prevHash = record.recordHash;
  }
  return records;
}

describe('audit hash chain', () => {
  it('verifies an untouched chain', () => {
    expect(verifyChain(chain(5))).toMatchObject({ valid: true, count: 5 });
  });
  it('names an altered record', () => {
    const records = chain(5);
    records[2] = { ...records[2], envelope: { type: 'x', data: { n: 99 } } };
    expect(verifyChain(records)).toMatchObject({ valid: false, firstInvalidPosition: 3, problem: 'content-altered' });
  });
  it('names the record after a deletion', () => {
    const records = chain(5);
    records.splice(1, 1);
    expect(verifyChain(records)).toMatchObject({ valid: false, firstInvalidPosition: 3, problem: 'gap-or-reorder' });
  });
  it('names a reordered record', () => {
    const records = chain(5);
    [records[1], records[2]] = [records[2], records[1]];
    expect(verifyChain(records)).toMatchObject({ valid: false, firstInvalidPosition: 3 });
  });
  it('detects a record re-hashed after editing by its broken link to the next', () => {
    const records = chain(5);
    const edited = { ...records[1], envelope: { forged: true } };
    records[1] = { ...edited, recordHash: recordHash(edited) };
    expect(verifyChain(records)).toMatchObject({ valid: false, firstInvalidPosition: 3, problem: 'broken-link' });
  });
  it('serialises keys in a canonical order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, e: null }] })).toBe('{"a":[{"d":2,"e":null}],"b":1}');
  });
});
