import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { decide, type Actor, type ExistingRequest, type FileKind, type RequestState } from '@airlock/domain';
import { HttpProblem } from '@airlock/http';
import type { RegistryHandler, RequestCommandHandler } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

export type UploadLimits = { maxUploadBytes: number };

const FILE_KINDS: readonly FileKind[] = ['output', 'supporting', 'code'];
// Names become download names and object-key parts: no paths, no control characters.
const hasControlCharacter = (value: string) => [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const isSafeName = (value: string) =>
  value.length >= 1 && value.length <= 255 && value !== '.' && value !== '..' && !/[/\\]/.test(value) && !hasControlCharacter(value);

export function parseKind(value: string | undefined): FileKind {
  const kind = (value ?? 'output') as FileKind;
  if (!FILE_KINDS.includes(kind)) throw new HttpProblem(400, 'INVALID_FILE_KIND', `kind must be one of ${FILE_KINDS.join(', ')}`);
  return kind;
}

export function parseFileName(value: string): string {
  if (!isSafeName(value)) throw new HttpProblem(400, 'INVALID_FILE_NAME', 'File names are 1-255 characters with no slashes or control characters');
  return value;
}

/** Streams a researcher's upload into the draft bucket, hashing on the way; never holds it in memory. */
export class UploadService {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly limits: UploadLimits,
    private readonly logger: Logger,
  ) {}

  async upload(requestId: string, actor: Actor, file: { name: string; group: string; kind: FileKind }, body: Readable, declaredLength?: number) {
    const fileId = randomUUID();
    const { name, group, kind } = file;
    const { state } = await this.requests.load(requestId);
    // Refuse before reading a byte if the upload could never be accepted.
    this.precheck(state, actor, { fileId, name, group, kind });
    if (declaredLength !== undefined && declaredLength > this.limits.maxUploadBytes) {
      throw new HttpProblem(413, 'UPLOAD_TOO_LARGE', `Uploads are limited to ${this.limits.maxUploadBytes} bytes`);
    }
    if (declaredLength === 0) throw new HttpProblem(400, 'EMPTY_FILE', 'An empty file cannot be submitted');
    const draftKey = `requests/${requestId}/draft/${fileId}`;
    // The hash goes into the FileUploaded event and is re-verified on every copy, so the draft
    // object need not carry it (which spares a server-side copy of every large upload).
    const stored = await this.store.putStream('draft', draftKey, body, { maxBytes: this.limits.maxUploadBytes, hashInMetadata: false }).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'OBJECT_TOO_LARGE') {
        throw new HttpProblem(413, 'UPLOAD_TOO_LARGE', `Uploads are limited to ${this.limits.maxUploadBytes} bytes`);
      }
      throw error;
    });
    try {
      if (stored.size === 0) throw new HttpProblem(400, 'EMPTY_FILE', 'An empty file cannot be submitted');
      const result = await this.requests.execute(requestId, (_s, at) => ({
        type: 'AddFile', actor, at, data: { fileId, name, group, kind, sha256: stored.sha256, size: stored.size, draftKey },
      }));
      this.logger.info({ requestId, fileId, size: stored.size, sha256: stored.sha256 }, 'file uploaded');
      return { result, fileId };
    } catch (error) {
      await this.store.delete('draft', draftKey).catch(() => undefined);
      throw error;
    }
  }

  private precheck(state: RequestState, actor: Actor, file: { fileId: string; name: string; group: string; kind: FileKind }): void {
    decide({ type: 'AddFile', actor, at: new Date().toISOString(), data: { ...file, sha256: '', size: 1, draftKey: '' } }, state);
  }
}

/** Freezes every draft file into quarantine, keyed by request, turn and hash, then submits under the project's policy. */
export async function freezeAndSubmit(requests: RequestCommandHandler, registry: RegistryHandler, store: ObjectStore, requestId: string, actor: Actor) {
  const { state } = await requests.load(requestId);
  const files = state.status === 'none' ? [] : state.files;
  const { approval, disclosure } = await registry.policyFor(state.status === 'none' ? '' : state.projectId);
  const placeholders = Object.fromEntries(files.map((f) => [f.fileId, 'pending']));
  decide({ type: 'Submit', actor, at: new Date().toISOString(), data: { quarantineKeys: placeholders, policy: approval, disclosure } }, state);
  const request = state as ExistingRequest;
  const turn = request.turn + 1;
  const quarantineKeys: Record<string, string> = {};
  for (const file of request.files) {
    const key = `requests/${requestId}/turn-${turn}/${file.fileId}-${file.sha256}`;
    // Invariant 2: the copy is verified against the hash recorded at upload.
    // A file kept unchanged from an earlier turn is already frozen: copy it from there.
    const source = file.quarantineKey ? { stage: 'quarantine' as const, key: file.quarantineKey } : { stage: 'draft' as const, key: file.draftKey };
    await store.copy(source, { stage: 'quarantine', key }, file.sha256);
    quarantineKeys[file.fileId] = key;
  }
  const result = await requests.execute(requestId, (_s, at) => ({ type: 'Submit', actor, at, data: { quarantineKeys, policy: approval, disclosure } }));
  // Drafts of this turn are no longer needed; files kept from an earlier turn have no draft left.
  await Promise.all(request.files.filter((f) => !f.quarantineKey).map((f) => store.delete('draft', f.draftKey).catch(() => undefined)));
  return result;
}
