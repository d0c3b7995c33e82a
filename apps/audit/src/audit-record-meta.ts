import { canonicalJson, type RecordContent } from '@airlock/access-log';

// A record's query fields (the `meta` column), built by the appender from the same object whose
// canonical JSON is hashed, so the database need not parse the body again (migration
// AuditAppendWithoutReparsing in audit-log.migrations.ts). The result is the JSON of exactly what
// the SQL function `audit_record_meta(body)` returns for that body; when a field is not a plain
// string (never so for our envelopes) the database is left to derive it. The checkpointer compares
// the two before signing (AuditLogRepository.metaMismatch).

/** `->>` of a member that must be a string or absent; `undefined` when it is anything else. */
function text(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i += 1) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

// jsonb keeps an object's keys shorter first, then by their UTF-8 bytes: `$.**` visits them in that order.
function jsonbKeyOrder(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length - y.length || Buffer.compare(x, y);
}

/** `jsonb_path_query_array(data, 'strict $.**.sha256')`: every `sha256` member, depth first, the holder before its children. */
function sha256Members(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) sha256Members(item, out);
    return;
  }
  const object = value as Record<string, unknown>;
  if (Object.hasOwn(object, 'sha256') && object.sha256 !== undefined) out.push(canonicalJson(object.sha256));
  // Only members holding an object or array can hold a sha256 further down; their order matters.
  const containers = Object.keys(object).filter((key) => object[key] !== null && typeof object[key] === 'object');
  if (containers.length > 1) containers.sort(jsonbKeyOrder);
  for (const key of containers) sha256Members(object[key], out);
}

const quote = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/** The `meta` JSON for a record, or `null` to let the database derive it from the body. */
export function recordMeta(content: RecordContent): string | null {
  const envelope = content.envelope;
  if (!isObject(envelope)) return null;
  const { actor, data } = envelope;
  const eventId = text(envelope.id);
  const topic = text(content.topic);
  const type = text(envelope.type);
  const subject = text(envelope.subject);
  const actorId = isObject(actor) ? text(actor.userId) : null;
  const projectId = isObject(data) ? text(data.projectId) : null;
  const time = text(envelope.time);
  if (eventId === undefined || topic === undefined || type === undefined || subject === undefined) return null;
  if (actorId === undefined || projectId === undefined || time === undefined) return null;
  // No `data` member: SQL NULL, so null; `data: null` or a scalar: an empty array.
  let fileHashes = 'null';
  if (data !== undefined) {
    const found: string[] = [];
    sha256Members(data, found);
    fileHashes = `[${found.join(',')}]`;
  }
  return (
    `{"actorId":${quote(actorId)},"eventId":${quote(eventId)},"fileHashes":${fileHashes},"projectId":${quote(projectId)},` +
    `"subject":${quote(subject)},"time":${quote(time)},"topic":${quote(topic)},"type":${quote(type)}}`
  );
}
