import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { RequestCommandHandler } from '@airlock/application';
import type { Actor } from '@airlock/domain';
import { InMemoryEventStore } from '@airlock/event-store';
import type { ObjectStore, ResumableUploadStore, StoredPart } from '@airlock/storage';
import pino from 'pino';
import { partSizeFor, ResumableUploadService } from './resumable-upload.service';
import { UploadService } from './upload.service';

const MiB = 1024 * 1024;
const alice: Actor = { userId: 'alice', roles: ['researcher'], accreditedUntil: '2099-01-01T00:00:00.000Z', projectIds: ['p1'] };

/** In-memory stand-ins for the draft bucket and its multipart uploads (the real ones: resumable-upload.int-spec.ts). */
function fakes() {
  const objects = new Map<string, Buffer>();
  const parts = new Map<string, StoredPart[]>();
  const store = {
    putStream: async (_stage: string, key: string, body: Readable) => {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      objects.set(key, Buffer.concat(chunks));
      return { sha256: '', size: 0 };
    },
    getStream: async (_stage: string, key: string) => Readable.from([objects.get(key) as Buffer]),
  } as unknown as ObjectStore;
  const multipart = {
    createUpload: async () => 'store-upload',
    uploadPart: async (_s: string, key: string, _u: string, partNumber: number, body: Buffer) => {
      const part = { partNumber, size: body.length, etag: 'e' };
      parts.set(key, [...(parts.get(key) ?? []), part]);
      return part;
    },
  } as unknown as ResumableUploadStore;
  return { store, multipart, parts };
}

describe('resumable upload service', () => {
  it('raises the part size, in whole MiB, only for files that would need more than 10,000 parts', () => {
    expect(partSizeFor(100 * MiB, 8 * MiB)).toBe(8 * MiB);
    expect(partSizeFor(200 * 1024 * MiB, 8 * MiB)).toBe(21 * MiB);
  });

  it('holds at most its buffer budget of parts at once: the next part is refused with 503 UPLOADS_BUSY until one is done', async () => {
    const requests = new RequestCommandHandler(new InMemoryEventStore(), '/test');
    await requests.execute('r1', (_s, at) => ({ type: 'CreateRequest', actor: alice, at, data: { requestId: 'r1', projectId: 'p1', title: 't' } }));
    await requests.execute('r1', (_s, at) => ({ type: 'DefineGroup', actor: alice, at, data: { group: 'outputs', context: 'c', controls: 'k' } }));
    const { store, multipart, parts } = fakes();
    const logger = pino({ enabled: false });
    const uploads = new UploadService(requests, store, { maxUploadBytes: 1024 * MiB }, logger);
    const service = new ResumableUploadService(
      requests,
      store,
      multipart,
      uploads,
      { maxUploadBytes: 1024 * MiB, partBytes: 5 * MiB, expiryMs: 60_000, bufferBytes: 10 * MiB },
      logger,
    );
    const size = 15 * MiB;
    const session = await service.start('r1', alice, { name: 'big.bin', group: 'outputs', kind: 'output', size, sha256: 'a'.repeat(64) });
    const part = Buffer.alloc(5 * MiB, 7);
    const digest = createHash('sha256').update(part).digest('base64');

    // Two parts arriving slowly fill the budget.
    const slow = [new PassThrough(), new PassThrough()];
    const pending = slow.map((body, i) => service.putPart('r1', alice, session.uploadId, String(i + 1), body, { digest: `sha-256=:${digest}:` }));
    await new Promise((r) => setImmediate(r));
    await expect(service.putPart('r1', alice, session.uploadId, '3', Readable.from([part]), { digest: `sha-256=:${digest}:` })).rejects.toMatchObject({
      status: 503,
      code: 'UPLOADS_BUSY',
    });
    // A bad part releases its share too.
    slow[0].end(Buffer.alloc(10));
    await expect(pending[0]).rejects.toMatchObject({ code: 'PART_SIZE_MISMATCH' });
    slow[1].end(part);
    await expect(pending[1]).resolves.toMatchObject({ partNumber: 2, size: 5 * MiB });
    await expect(service.putPart('r1', alice, session.uploadId, '3', Readable.from([part]), { digest: `sha-256=:${digest}:` })).resolves.toMatchObject({
      partNumber: 3,
    });
    expect([...parts.values()].flat().map((p) => p.partNumber)).toEqual([2, 3]);
  });
});
