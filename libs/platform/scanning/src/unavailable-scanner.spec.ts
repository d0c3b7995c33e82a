import { Readable } from 'node:stream';
import { UnavailableScanner } from './unavailable-scanner';

describe('UnavailableScanner (embedded default without clamd)', () => {
  const scanner = new UnavailableScanner();

  it('marks every file not scanned, so it can never be released on a scan', async () => {
    const body = Readable.from([Buffer.from('anything')]);
    expect(await scanner.scan(body)).toEqual({ status: 'not_scanned', reason: 'no malware scanner configured' });
    expect(body.destroyed).toBe(true);
  });

  it('does not claim to be reachable', async () => {
    expect(await scanner.ping()).toBe(false);
    expect(scanner.describe()).toMatch(/no malware scanner/);
  });
});
