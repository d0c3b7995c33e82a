import type { Readable } from 'node:stream';
import type { MalwareScanner, ScanResult } from './malware-scanner.port';

export const NO_SCANNER_REASON = 'no malware scanner configured';

/**
 * The embedded default when no clamd is reachable: every file comes back `not_scanned`,
 * so nothing can be released on the strength of a scan that never happened.
 */
export class UnavailableScanner implements MalwareScanner {
  async scan(body: Readable): Promise<ScanResult> {
    // Nothing will read it: release the caller's stream (socket, file handle) now.
    body.destroy();
    return { status: 'not_scanned', reason: NO_SCANNER_REASON };
  }

  async ping(): Promise<boolean> {
    // There is no scanner to answer; health pages should show that, not hide it.
    return false;
  }

  describe(): string {
    return 'no malware scanner (files are marked not scanned)';
  }
}
