import type { ScanResult } from './malware-scanner.port';
import { ScannerUnavailableError } from './scanning.errors';

export const TOO_LARGE_REASON = 'too large to scan';

/** What clamd said to one INSTREAM, before any policy is applied. */
export type InstreamReply = { kind: 'ok' } | { kind: 'found'; signature: string } | { kind: 'error'; message: string } | { kind: 'unexpected'; text: string };

/** Parses clamd's reply to `zINSTREAM` (NUL already stripped): `stream: OK`, `stream: <sig> FOUND`, `<msg> ERROR`. */
export function parseInstreamReply(text: string): InstreamReply {
  const reply = text.trim();
  if (reply === 'stream: OK') return { kind: 'ok' };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found) return { kind: 'found', signature: found[1] };
  const error = /^(?:stream: )?(.*?) ?ERROR$/.exec(reply);
  if (error) return { kind: 'error', message: error[1] };
  return { kind: 'unexpected', text: reply };
}

export function isSizeLimitMessage(text: string): boolean {
  return /size limit exceeded/i.test(text);
}

/**
 * Applies the fail-closed policy to a reply. With AlertExceedsMax, clamd reports a file
 * over its scan limits as `Heuristics.Limits.Exceeded.*`: that is "could not check", not
 * malware, so it becomes not_scanned rather than infected; and never clean (SATRE 3.3.07).
 */
export function toScanResult(reply: InstreamReply, engine: string): ScanResult {
  switch (reply.kind) {
    case 'ok':
      return { status: 'clean', engine };
    case 'found': {
      const limit = /^Heuristics\.Limits\.Exceeded(?:\.(\w+))?/.exec(reply.signature);
      if (!limit) return { status: 'infected', signature: reply.signature, engine };
      const sizeLimit = limit[1] === undefined || /Size|Length/.test(limit[1]);
      return { status: 'not_scanned', reason: sizeLimit ? TOO_LARGE_REASON : `scan limits exceeded (${reply.signature})` };
    }
    case 'error':
      if (isSizeLimitMessage(reply.message)) return { status: 'not_scanned', reason: TOO_LARGE_REASON };
      throw new ScannerUnavailableError(`clamd could not scan: ${reply.message}`);
    case 'unexpected':
      throw new ScannerUnavailableError(`unexpected reply from clamd: ${JSON.stringify(reply.text.slice(0, 200))}`);
  }
}
