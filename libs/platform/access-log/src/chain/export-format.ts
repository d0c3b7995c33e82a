import { CHAIN_VERSION, type ChainLink } from './audit-chain';
import type { Checkpoint } from './checkpoint';

// An audit export in JSON Lines: a header, the checkpoints that sign it, then one record per line.
// Each record line carries the exact hashed body verbatim after a fixed prefix, so a verifier
// hashes the bytes as they are, without re-serialising (any JSON tool can still read the file):
//
//   {"airlockAuditExport":{"chain":"airlock-audit/v1","from":1,"to":500,"filter":{},"exportedAt":"..."}}
//   {"checkpoint":{"algorithm":"Ed25519","headHash":"...","keyId":"...","position":480,"signature":"...","signedAt":"..."}}
//   {"position":1,"prevHash":"000...","recordHash":"9f2...","record":{"envelope":{...},"recordedAt":"...","topic":"..."}}

export type ExportHeader = {
  chain: string;
  from: number | null;
  to: number | null;
  /** Query filters; a filtered export is a subset and cannot be bound to a checkpoint as a whole. */
  filter: Record<string, string>;
  exportedAt: string;
};

export function exportHeaderLine(header: Omit<ExportHeader, 'chain'>): string {
  return `${JSON.stringify({ airlockAuditExport: { chain: CHAIN_VERSION, ...header } })}\n`;
}

export function checkpointLine(checkpoint: Checkpoint): string {
  const { algorithm, headHash, keyId, position, signature, signedAt } = checkpoint;
  return `${JSON.stringify({ checkpoint: { algorithm, headHash, keyId, position, signature, signedAt } })}\n`;
}

export function recordLine(link: ChainLink): string {
  return `{"position":${link.position},"prevHash":"${link.prevHash}","recordHash":"${link.recordHash}","record":${link.body.toString()}}\n`;
}

const RECORD_PREFIX = /^\{"position":(\d{1,16}),"prevHash":"([0-9a-f]{64})","recordHash":"([0-9a-f]{64})","record":/;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export type ExportLine =
  | { kind: 'record'; link: ChainLink }
  | { kind: 'header'; header: ExportHeader }
  | { kind: 'checkpoint'; checkpoint: unknown }
  | { kind: 'blank' }
  | { kind: 'unreadable'; reason: string };

/** Parses one line (without its newline). Record bodies stay the original bytes. */
export function parseExportLine(line: Buffer): ExportLine {
  if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) return { kind: 'blank' };
  const start = line.subarray(0, 200).toString('latin1');
  const match = RECORD_PREFIX.exec(start);
  if (match) {
    const prefixLength = match[0].length;
    if (line[line.length - 1] !== CLOSE_BRACE || line[prefixLength] !== OPEN_BRACE)
      return { kind: 'unreadable', reason: 'record line is not {prefix,"record":{...}}' };
    return {
      kind: 'record',
      link: { position: Number(match[1]), prevHash: match[2], recordHash: match[3], body: line.subarray(prefixLength, line.length - 1) },
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return { kind: 'unreadable', reason: 'not JSON' };
  }
  const object = (value ?? {}) as Record<string, unknown>;
  if ('airlockAuditExport' in object) return { kind: 'header', header: object.airlockAuditExport as ExportHeader };
  if ('checkpoint' in object) return { kind: 'checkpoint', checkpoint: object.checkpoint };
  return { kind: 'unreadable', reason: 'neither a header, a checkpoint nor a record in the export layout' };
}
