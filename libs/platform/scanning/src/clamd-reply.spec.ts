import { parseInstreamReply, toScanResult, TOO_LARGE_REASON } from './clamd-reply';
import { ScannerUnavailableError } from './scanning.errors';

const ENGINE = 'ClamAV 1.4.6/27400/Sat Nov 28 09:00:00 2026';

describe('clamd INSTREAM replies', () => {
  it.each([
    ['stream: OK', { kind: 'ok' }],
    ['stream: Eicar-Test-Signature.UNOFFICIAL FOUND', { kind: 'found', signature: 'Eicar-Test-Signature.UNOFFICIAL' }],
    ['stream: Win.Test.EICAR_HDB-1 FOUND\n', { kind: 'found', signature: 'Win.Test.EICAR_HDB-1' }],
    ['INSTREAM size limit exceeded. ERROR', { kind: 'error', message: 'INSTREAM size limit exceeded.' }],
    ["stream: Can't allocate memory ERROR", { kind: 'error', message: "Can't allocate memory" }],
    ['PONG', { kind: 'unexpected', text: 'PONG' }],
    ['', { kind: 'unexpected', text: '' }],
  ])('parses %j', (text, expected) => {
    expect(parseInstreamReply(text)).toEqual(expected);
  });

  it('maps OK to clean with the engine that said so', () => {
    expect(toScanResult({ kind: 'ok' }, ENGINE)).toEqual({ status: 'clean', engine: ENGINE });
  });

  it('maps FOUND to infected with the signature', () => {
    expect(toScanResult({ kind: 'found', signature: 'Eicar-Test-Signature.UNOFFICIAL' }, ENGINE)).toEqual({
      status: 'infected',
      signature: 'Eicar-Test-Signature.UNOFFICIAL',
      engine: ENGINE,
    });
  });

  it.each(['Heuristics.Limits.Exceeded.MaxFileSize', 'Heuristics.Limits.Exceeded.MaxScanSize', 'Heuristics.Limits.Exceeded'])(
    'treats %s as too large to scan, never clean and not malware',
    (signature) => {
      expect(toScanResult({ kind: 'found', signature }, ENGINE)).toEqual({ status: 'not_scanned', reason: TOO_LARGE_REASON });
    },
  );

  it('treats other exceeded scan limits as not scanned, naming the limit', () => {
    expect(toScanResult({ kind: 'found', signature: 'Heuristics.Limits.Exceeded.MaxRecursion' }, ENGINE)).toEqual({
      status: 'not_scanned',
      reason: 'scan limits exceeded (Heuristics.Limits.Exceeded.MaxRecursion)',
    });
  });

  it('treats the INSTREAM size limit as too large to scan', () => {
    expect(toScanResult({ kind: 'error', message: 'INSTREAM size limit exceeded.' }, ENGINE)).toEqual({ status: 'not_scanned', reason: TOO_LARGE_REASON });
  });

  it.each([[{ kind: 'error', message: "Can't allocate memory" }], [{ kind: 'unexpected', text: 'HELLO' }]] as const)(
    'fails closed on %j: the caller must retry',
    (reply) => {
      expect(() => toScanResult(reply, ENGINE)).toThrow(ScannerUnavailableError);
    },
  );
});
