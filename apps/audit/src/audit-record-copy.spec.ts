import { encodeAuditCopy, type AuditCopyRow } from './audit-record-copy';

// The binary COPY encoding of audit rows, read back field by field as PostgreSQL reads it.

function fieldsOf(data: Buffer): (Buffer | null)[][] {
  expect(data.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  expect([data.readInt32BE(11), data.readInt32BE(15)]).toEqual([0, 0]);
  const tuples: (Buffer | null)[][] = [];
  let at = 19;
  for (let count = data.readInt16BE(at); count !== -1; count = data.readInt16BE(at)) {
    at += 2;
    const fields: (Buffer | null)[] = [];
    for (let i = 0; i < count; i += 1) {
      const length = data.readInt32BE(at);
      at += 4;
      fields.push(length === -1 ? null : data.subarray(at, at + length));
      at += Math.max(length, 0);
    }
    tuples.push(fields);
  }
  expect(at + 2).toBe(data.length);
  return tuples;
}

const row = (overrides: Partial<AuditCopyRow> = {}): AuditCopyRow => ({
  position: 1,
  prevHash: '0'.repeat(64),
  recordHash: 'a'.repeat(64),
  body: '{"a":1}',
  traceHeaders: null,
  meta: '{"eventId":"e-1"}',
  ...overrides,
});

describe('encodeAuditCopy', () => {
  it('writes each row as six fields: a big-endian bigint, text as UTF-8 bytes, jsonb with its version byte, NULL as -1', () => {
    const body = '{"note":"é 🔒 \\" \\\\"}';
    const [first, second] = fieldsOf(encodeAuditCopy([row({ position: 2 ** 40 + 7, body }), row({ traceHeaders: '{"traceparent":"00-x"}', meta: null })]));
    expect(first[0]?.readBigInt64BE(0)).toBe(BigInt(2 ** 40 + 7));
    expect(first.slice(1, 4).map((f) => f?.toString('utf8'))).toEqual(['0'.repeat(64), 'a'.repeat(64), body]);
    expect(first[3]?.length).toBe(Buffer.byteLength(body));
    expect(first[4]).toBeNull();
    expect(first[5]).toEqual(Buffer.concat([Buffer.from([1]), Buffer.from('{"eventId":"e-1"}')]));
    expect(second[4]).toEqual(Buffer.concat([Buffer.from([1]), Buffer.from('{"traceparent":"00-x"}')]));
    expect(second[5]).toBeNull();
  });

  it('writes the header and trailer alone for no rows', () => {
    expect(fieldsOf(encodeAuditCopy([]))).toEqual([]);
  });
});
