// Rows of `audit_records` in PostgreSQL's binary COPY format, for `COPY ... FROM STDIN (FORMAT binary)`
// (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4). A multi-row INSERT made
// the server parse and plan a statement of 6,000 parameters per 1,000 records, about half of its
// time per append (issue 14); COPY hands it the rows. Binary, not text: every string goes as its
// UTF-8 bytes with a length, so a body is stored exactly as hashed with no escaping to get wrong.

/** A row as the appender writes it: `traceHeaders` and `meta` are JSON text (jsonb columns) or null. */
export type AuditCopyRow = { position: number; prevHash: string; recordHash: string; body: string; traceHeaders: string | null; meta: string | null };

/** The columns `encodeAuditCopy` writes, in its order. */
export const AUDIT_COPY_COLUMNS = '(position, prev_hash, record_hash, body, trace_headers, meta)';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const FIELDS = 6;
const NULL_LENGTH = -1;
// jsonb's binary form: a version byte, then the JSON text.
const JSONB_VERSION = 1;
const SECOND_FIELD = 2 + 4 + 8;
const TRAILER = -1;

/** Bytes a string can take in UTF-8 at most (3 a UTF-16 unit), plus its 4-byte length. */
const room = (s: string | null) => 4 + (s === null ? 0 : 1 + s.length * 3);

function writeText(buffer: Buffer, at: number, value: string): number {
  const bytes = buffer.write(value, at + 4, 'utf8');
  buffer.writeInt32BE(bytes, at);
  return at + 4 + bytes;
}

function writeJsonb(buffer: Buffer, at: number, value: string | null): number {
  if (value === null) {
    buffer.writeInt32BE(NULL_LENGTH, at);
    return at + 4;
  }
  buffer[at + 4] = JSONB_VERSION;
  const bytes = buffer.write(value, at + 5, 'utf8');
  buffer.writeInt32BE(bytes + 1, at);
  return at + 5 + bytes;
}

/** The COPY data for `rows`: header, one tuple a row, trailer. */
export function encodeAuditCopy(rows: readonly AuditCopyRow[]): Buffer {
  let size = HEADER_BYTES + 2;
  for (const row of rows) size += SECOND_FIELD + room(row.prevHash) + room(row.recordHash) + room(row.body) + room(row.traceHeaders) + room(row.meta);
  const buffer = Buffer.allocUnsafe(size);
  SIGNATURE.copy(buffer, 0);
  buffer.writeInt32BE(0, SIGNATURE.length); // flags: no OIDs
  buffer.writeInt32BE(0, SIGNATURE.length + 4); // no header extension
  let at = HEADER_BYTES;
  for (const row of rows) {
    buffer.writeInt16BE(FIELDS, at);
    buffer.writeInt32BE(8, at + 2);
    buffer.writeBigInt64BE(BigInt(row.position), at + 6);
    at = writeText(buffer, at + SECOND_FIELD, row.prevHash);
    at = writeText(buffer, at, row.recordHash);
    at = writeText(buffer, at, row.body);
    at = writeJsonb(buffer, at, row.traceHeaders);
    at = writeJsonb(buffer, at, row.meta);
  }
  buffer.writeInt16BE(TRAILER, at);
  return buffer.subarray(0, at + 2);
}
