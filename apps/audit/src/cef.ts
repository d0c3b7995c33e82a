import type { AuditRecord } from './audit-record';

// ArcSight Common Event Format (CEF 0), one line per record, for SIEM tools that ingest syslog-style
// lines. Header fields escape `\` and `|`; extension values escape `\`, `=` and line breaks.
const VENDOR = 'Airlock';
const PRODUCT = 'airlock-audit';
const VERSION = '1.0';

const header = (value: string) =>
  value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
const extension = (value: string) => value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');

type Data = Record<string, unknown> & {
  action?: string;
  outcome?: string;
  reasonCode?: string;
  clientAddress?: string;
  projectId?: string;
  file?: { fileId?: string; name?: string; sha256?: string };
  fileId?: string;
  name?: string;
  sha256?: string;
};

const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]+)$/i;

/** 0-10: refusals and malware weigh most, routine facts least. */
export function cefSeverity(type: string): number {
  if (type.startsWith('airlock.access.denied.')) return 7;
  if (type.startsWith('airlock.request.blocked.') || type.startsWith('airlock.request.file-blocked.')) return 8;
  if (type.startsWith('airlock.access.object-deleted.')) return 5;
  if (type.startsWith('airlock.access.')) return 4;
  return 3;
}

function eventName(type: string): string {
  // airlock.request.file-uploaded.v1 -> "request file uploaded"
  return type
    .replace(/^airlock\./, '')
    .replace(/\.v\d+$/, '')
    .replace(/[.-]/g, ' ');
}

export function cefLine(record: AuditRecord): string {
  const { envelope } = record;
  const data = (typeof envelope.data === 'object' && envelope.data !== null ? envelope.data : {}) as Data;
  const file = data.file ?? {};
  const requestId = envelope.subject.startsWith('user:') ? undefined : envelope.subject;
  const fields: [string, string | number | undefined][] = [
    ['rt', Date.parse(envelope.time) || undefined],
    ['externalId', envelope.id],
    ['cat', record.topic],
    ['suid', envelope.actor.userId],
    ['suser', envelope.actor.userId],
    ['spriv', envelope.actor.roles.join(',')],
    ['src', data.clientAddress && IP.test(data.clientAddress) ? data.clientAddress : undefined],
    ['act', data.action ?? envelope.type],
    ['outcome', data.outcome],
    ['reason', data.reasonCode],
    ['fname', file.name ?? data.name],
    ['fileId', file.fileId ?? data.fileId],
    ['fileHash', file.sha256 ?? data.sha256],
    ['cs1Label', requestId ? 'requestId' : undefined],
    ['cs1', requestId],
    ['cs2Label', data.projectId ? 'projectId' : undefined],
    ['cs2', data.projectId],
    ['cs3Label', 'recordHash'],
    ['cs3', record.recordHash],
    ['cn1Label', 'auditPosition'],
    ['cn1', record.position],
  ];
  const ext = fields
    .filter((f): f is [string, string | number] => f[1] !== undefined && f[1] !== '')
    .map(([k, v]) => `${k}=${extension(String(v))}`)
    .join(' ');
  return `CEF:0|${VENDOR}|${PRODUCT}|${VERSION}|${header(envelope.type)}|${header(eventName(envelope.type))}|${cefSeverity(envelope.type)}|${ext}\n`;
}
