import { Readable } from 'node:stream';
import { RequestCommandHandler } from '@airlock/application';
import type { Actor } from '@airlock/domain';
import { InMemoryEventStore } from '@airlock/event-store';
import type { ObjectStore } from '@airlock/storage';
import pino from 'pino';
import { parseFileName, parseKind, UploadService } from './upload.service';

describe('upload input', () => {
  it.each(['table.csv', 'Résumé 2025 (final).xlsx', 'a'.repeat(255)])('accepts the file name %s', (name) => {
    expect(parseFileName(name)).toBe(name);
  });
  it.each(['', '.', '..', 'a/b.csv', 'a\\b.csv', 'tab\there', 'nul\u0000', 'del\u007f', 'a'.repeat(256)])('refuses the file name %j', (name) => {
    expect(() => parseFileName(name)).toThrow(expect.objectContaining({ code: 'INVALID_FILE_NAME', status: 400 }));
  });
  it.each([
    ['right-to-left override', 'report\u202Ecsv.exe', 'U+202E'],
    ['left-to-right embedding', 'a\u202Ab.csv', 'U+202A'],
    ['first-strong isolate', 'a\u2068b.csv', 'U+2068'],
    ['zero-width space', 'ta\u200Bble.csv', 'U+200B'],
    ['zero-width non-joiner', 'ta\u200Cble.csv', 'U+200C'],
    ['word joiner', 'ta\u2060ble.csv', 'U+2060'],
    ['byte order mark', '\uFEFFtable.csv', 'U+FEFF'],
    ['soft hyphen', 'ta\u00ADble.csv', 'U+00AD'],
    ['combining grapheme joiner', 'ta\u034Fble.csv', 'U+034F'],
    ['variation selector', 'ta\uFE0Fble.csv', 'U+FE0F'],
    ['line separator', 'ta\u2028ble.csv', 'U+2028'],
    ['tag character', 'ta\u{E0041}ble.csv', 'U+E0041'],
  ])('refuses a name with a %s, naming the code point', (_what, name, codePoint) => {
    expect(() => parseFileName(name)).toThrow(
      expect.objectContaining({ code: 'FILE_NAME_INVISIBLE_CHARACTER', status: 400, extensions: { codePoints: [codePoint] } }),
    );
  });
  it('refuses C1 control characters too', () => {
    expect(() => parseFileName('a\u0085b.csv')).toThrow(expect.objectContaining({ code: 'INVALID_FILE_NAME' }));
  });
  it('stores names in NFC, so a decomposed name is the same name as its composed form', () => {
    expect(parseFileName('Re\u0301sume\u0301.csv')).toBe('R\u00e9sum\u00e9.csv');
    expect(parseFileName('\u212B.csv')).toBe('\u00C5.csv');
  });
  it('defaults the kind to output and refuses unknown kinds', () => {
    expect(parseKind(undefined)).toBe('output');
    expect(parseKind('supporting')).toBe('supporting');
    expect(() => parseKind('binary')).toThrow(expect.objectContaining({ code: 'INVALID_FILE_KIND' }));
  });
});

describe('upload with If-Match', () => {
  it("refuses a stranger's upload as NOT_AUTHOR before any 412 that would name the request's version", async () => {
    const requests = new RequestCommandHandler(new InMemoryEventStore(), '/test');
    const alice: Actor = { userId: 'alice', roles: ['researcher'], accreditedUntil: '2099-01-01T00:00:00.000Z', projectIds: ['p1'] };
    await requests.execute('r1', (_s, at) => ({ type: 'CreateRequest', actor: alice, at, data: { requestId: 'r1', projectId: 'p1', title: 't' } }));
    await requests.execute('r1', (_s, at) => ({ type: 'DefineGroup', actor: alice, at, data: { group: 'outputs', context: 'c', controls: 'k' } }));
    const store = { putStream: jest.fn() } as unknown as ObjectStore;
    const uploads = new UploadService(requests, store, { maxUploadBytes: 1024 }, pino({ enabled: false }));
    const mallory: Actor = { ...alice, userId: 'mallory' };
    const file = { name: 'a.csv', group: 'outputs', kind: 'output' as const };
    const refused = await uploads.upload('r1', mallory, file, Readable.from(['x']), 1, 0).catch((error: Error) => error);
    expect(refused).toMatchObject({ code: 'NOT_AUTHOR' });
    expect(store.putStream).not.toHaveBeenCalled();
    // The author with a stale read: 412.
    await expect(uploads.upload('r1', alice, file, Readable.from(['x']), 1, 0)).rejects.toMatchObject({ code: 'STALE_VERSION' });
  });
});
