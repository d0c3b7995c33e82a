import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  IMPORT_SNIFF_BYTES,
  INPUT_LIMITS,
  classifyImport,
  decide,
  importClassificationByName,
  importPolicyOf,
  type Actor,
  type ImportKind,
  type FileKind,
  type RequestState,
} from '@airlock/domain';
import { HttpProblem } from '@airlock/http';
import { StaleVersionError, codePointsOf, type RegistryHandler, type RequestCommandHandler } from '@airlock/application';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

export type UploadLimits = { maxUploadBytes: number };

const FILE_KINDS: readonly FileKind[] = ['output', 'supporting', 'code'];
// Names become download names and object-key parts: no paths, no control characters (C0 or C1).
const CONTROL = /\p{Cc}/u;
// A checker must see the name the researcher chose: no format characters (bidi overrides and
// isolates such as U+202E, zero-width characters, the BOM) nor anything else Unicode says to draw
// as nothing, nor line/paragraph separators, nor lone surrogates. "report\u202Ecsv.exe" shows as
// "reportexe.vsc".
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\p{Cs}]/gu;
const isSafeName = (value: string) =>
  value.length >= 1 && value.length <= INPUT_LIMITS.fileName && value !== '.' && value !== '..' && !/[/\\]/.test(value) && !CONTROL.test(value);

export function parseKind(value: string | undefined): FileKind {
  const kind = (value ?? 'output') as FileKind;
  if (!FILE_KINDS.includes(kind)) throw new HttpProblem(400, 'INVALID_FILE_KIND', `kind must be one of ${FILE_KINDS.join(', ')}`);
  return kind;
}

/**
 * A file name as stored: in Unicode NFC, so names that differ only in normalisation (NFD "é" and
 * NFC "é") are one name, and a second upload of it conflicts as FILE_NAME_TAKEN.
 */
export function parseFileName(value: string): string {
  const hidden = value.match(INVISIBLE);
  if (hidden) {
    throw new HttpProblem(400, 'FILE_NAME_INVISIBLE_CHARACTER', 'File names cannot hold invisible, bidirectional-control or format characters', {
      codePoints: [...new Set(hidden.map(codePointsOf))],
    });
  }
  const name = value.normalize('NFC');
  if (!isSafeName(name))
    throw new HttpProblem(400, 'INVALID_FILE_NAME', `File names are 1-${INPUT_LIMITS.fileName} characters with no slashes or control characters`);
  return name;
}

/** The client went away before the whole body arrived. */
const wasAborted = (body: Readable) => body.errored !== null || (body.destroyed && !body.readableEnded);

/** Streams a researcher's upload into the draft bucket, hashing on the way; never holds it in memory. */
export class UploadService {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly limits: UploadLimits,
    private readonly logger: Logger,
    /** Imports: the project's import policy says which kinds may come in (docs/adr/0012-imports.md). */
    private readonly registry?: Pick<RegistryHandler, 'policyFor'>,
  ) {}

  /** `expectedVersion` (If-Match): add the file only to this version of the request, or refuse 412 before reading a byte. */
  async upload(
    requestId: string,
    actor: Actor,
    file: { name: string; group: string; kind: FileKind },
    body: Readable,
    declaredLength?: number,
    expectedVersion?: number,
  ) {
    const fileId = randomUUID();
    const { name, group, kind } = file;
    const { state, version } = await this.requests.current(requestId);
    // Refuse before reading a byte if the upload could never be accepted; then (only to a caller
    // who may upload here) if the request moved since the caller's read.
    await this.precheck(state, actor, { fileId, name, group, kind });
    if (expectedVersion !== undefined && version !== expectedVersion) throw new StaleVersionError(expectedVersion, version);
    if (declaredLength !== undefined && declaredLength > this.limits.maxUploadBytes) {
      throw new HttpProblem(413, 'UPLOAD_TOO_LARGE', `Uploads are limited to ${this.limits.maxUploadBytes} bytes`);
    }
    if (declaredLength === 0) throw new HttpProblem(400, 'EMPTY_FILE', 'An empty file cannot be submitted');
    const draftKey = `requests/${requestId}/draft/${fileId}`;
    // The hash goes into the FileUploaded event and is re-verified on every copy, so the draft
    // object need not carry it (which spares a server-side copy of every large upload).
    const stored = await this.store
      .putStream('draft', draftKey, body, { maxBytes: this.limits.maxUploadBytes, hashInMetadata: false })
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === 'OBJECT_TOO_LARGE') {
          throw new HttpProblem(413, 'UPLOAD_TOO_LARGE', `Uploads are limited to ${this.limits.maxUploadBytes} bytes`);
        }
        // A client that hangs up mid-body is not our failure: the store keeps nothing (the port's
        // contract), so log it as what it is and answer (to nobody) with a 400.
        if (wasAborted(body)) {
          this.logger.warn({ requestId, fileId, code: 'UPLOAD_ABORTED', err: error }, 'upload aborted by the client');
          throw new HttpProblem(400, 'UPLOAD_ABORTED', 'The upload ended before the whole body arrived');
        }
        throw error;
      });
    if (stored.size === 0) {
      await this.store.delete('draft', draftKey).catch(() => undefined);
      throw new HttpProblem(400, 'EMPTY_FILE', 'An empty file cannot be submitted');
    }
    const result = await this.record(requestId, actor, { fileId, name, group, kind }, { ...stored, draftKey }, expectedVersion, state);
    return { result, fileId };
  }

  /**
   * Records a file whose bytes are in the draft bucket (a streamed upload, or a completed
   * resumable one): the FileUploaded event with its SHA-256 and size. On refusal the draft goes, unless a file of the request names it.
   * `loaded`: the request as the caller already read it, so it is not read again for the import
   * policy (a request's direction and project never change; the command itself folds the latest).
   */
  async record(
    requestId: string,
    actor: Actor,
    file: { fileId: string; name: string; group: string; kind: FileKind },
    stored: { sha256: string; size: number; draftKey: string },
    expectedVersion?: number,
    loaded?: RequestState,
  ) {
    const { sha256, size, draftKey } = stored;
    try {
      // Imports: the stored bytes (not the client's word) say what the file is.
      const allowedKinds = await this.allowedImportKinds(loaded ?? (await this.requests.current(requestId)).state);
      const importCheck = allowedKinds ? { content: classifyImport(await this.head(draftKey), file.name), allowedKinds } : undefined;
      const result = await this.requests.execute(
        requestId,
        (_s, at) => ({ type: 'AddFile', actor, at, data: { ...file, sha256, size, draftKey, ...(importCheck ? { importCheck } : {}) } }),
        { expectedVersion },
      );
      this.logger.info({ requestId, fileId: file.fileId, size, sha256 }, 'file uploaded');
      return result;
    } catch (error) {
      // A completion that lost a race with its own retry must not delete what the winner recorded:
      // the draft goes only when no file of the request names it (when unsure, the sweep decides later).
      const named = await this.requests.current(requestId).then(
        ({ state }) => state.status !== 'none' && state.files.some((f) => f.draftKey === draftKey),
        () => true,
      );
      if (!named) await this.store.delete('draft', draftKey).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Refuses (with the domain's coded error) an upload that could never be accepted, before reading
   * a byte; an import is judged here by its name, and by its bytes once stored.
   */
  async precheck(state: RequestState, actor: Actor, file: { fileId: string; name: string; group: string; kind: FileKind }): Promise<void> {
    const allowedKinds = await this.allowedImportKinds(state);
    const importCheck = allowedKinds ? { importCheck: { content: importClassificationByName(file.name), allowedKinds } } : {};
    decide({ type: 'AddFile', actor, at: new Date().toISOString(), data: { ...file, sha256: '', size: 1, draftKey: '', ...importCheck } }, state);
  }

  /** The kinds an import may bring in (undefined for an export); fails closed without the registry. */
  private async allowedImportKinds(state: RequestState): Promise<ImportKind[] | undefined> {
    if (state.status === 'none' || state.direction !== 'import') return undefined;
    if (!this.registry) throw new HttpProblem(503, 'IMPORT_POLICY_UNAVAILABLE', 'Imports cannot be accepted here: the project policy is not available');
    return importPolicyOf(await this.registry.policyFor(state.projectId)).allowedKinds;
  }

  /** The first bytes of a stored draft, for classification; the stream is closed once they are in. */
  private async head(draftKey: string): Promise<Uint8Array> {
    const stream = await this.store.getStream('draft', draftKey);
    const chunks: Buffer[] = [];
    let length = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= IMPORT_SNIFF_BYTES) break;
      }
    } finally {
      stream.destroy();
    }
    return new Uint8Array(Buffer.concat(chunks).subarray(0, IMPORT_SNIFF_BYTES));
  }
}
