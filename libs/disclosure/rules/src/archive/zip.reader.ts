import { crc32 } from '../hashing/crc32';
import { ArchiveError } from './archive.error';
import type { ArchiveBudget } from './archive.limits';
import { ByteQueue } from './byte-queue';
import { RawInflater } from './inflate';

// PKWARE APPNOTE.TXT signatures.
const LOCAL_FILE = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_FILE = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const DIGITAL_SIGNATURE = 0x05054b50;
const ARCHIVE_EXTRA_DATA = 0x08064b50; // only written for an encrypted central directory

const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const FLAG_MASKED_HEADERS = 0x2000;
const STORED = 0;
const DEFLATED = 8;
const WINZIP_AES = 99;

export type ZipEntry = {
  name: string;
  directory: boolean;
  /** A compression method we cannot decode: the content is skipped and cannot be checked. */
  unsupportedMethod: number | null;
  /** The decompressed bytes. Read them fully, partly or not at all before asking for the next entry. */
  content: AsyncIterable<Uint8Array>;
};

/** What the central directory says, filled in when the entries have been read. */
export type ZipTrailer = { entries: number; comments: number };

type LocalEntry = { offset: number; name: string; crc: number; compressedSize: number; size: number; encrypted: boolean };

/**
 * Streams the entries of a zip archive in the order they are stored, verifying each member's
 * CRC-32 and sizes, then checks that the central directory (what unzip tools show) lists exactly
 * the entries that were read: a directory pointing elsewhere, overlapping entries or bytes hidden
 * between or after them fail as inconsistent. Limits come from the shared budget.
 */
export async function* readZipEntries(
  source: AsyncIterable<Uint8Array>,
  budget: ArchiveBudget,
  trailer: ZipTrailer = { entries: 0, comments: 0 },
): AsyncGenerator<ZipEntry> {
  const queue = new ByteQueue(source[Symbol.asyncIterator]());
  const seen: LocalEntry[] = [];
  try {
    for (;;) {
      const signature = await peekSignature(queue);
      if (signature !== LOCAL_FILE) {
        await readCentralDirectory(queue, signature, seen, trailer);
        return;
      }
      budget.countEntry();
      const header = await readLocalHeader(queue);
      const reading = readEntryData(queue, header, budget);
      yield {
        name: header.name,
        directory: header.name.endsWith('/'),
        unsupportedMethod: header.method === STORED || header.method === DEFLATED ? null : header.method,
        content: reading.content(),
      };
      seen.push(await reading.finish());
    }
  } finally {
    await queue.close();
  }
}

type LocalHeader = {
  offset: number;
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  zip64: boolean;
};

const peekSignature = async (queue: ByteQueue): Promise<number | null> => {
  if (!(await queue.ensure(4))) return null;
  const head = queue.take(4);
  queue.unshift(head);
  return view(head).getUint32(0, true);
};

const readExact = async (queue: ByteQueue, n: number, what: string): Promise<Uint8Array> => {
  if (!(await queue.ensure(n))) throw new ArchiveError('truncated', `The archive ends inside ${what}.`);
  return queue.take(n);
};

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const readLocalHeader = async (queue: ByteQueue): Promise<LocalHeader> => {
  const offset = queue.offset;
  const fixed = view(await readExact(queue, 30, 'a local file header'));
  const flags = fixed.getUint16(6, true);
  const method = fixed.getUint16(8, true);
  const nameBytes = await readExact(queue, fixed.getUint16(26, true), 'a file name');
  const extra = await readExact(queue, fixed.getUint16(28, true), 'an extra field');
  const name = decodeName(nameBytes, flags);
  // Zip encryption hides the content from every check: PKWARE, strong encryption and WinZip AES.
  if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) || method === WINZIP_AES) {
    throw new ArchiveError('encrypted', `The archive is encrypted (entry "${name}"), so its contents cannot be checked.`);
  }
  let compressedSize = fixed.getUint32(18, true);
  let size = fixed.getUint32(22, true);
  const zip64 = findExtra(extra, 0x0001);
  if (zip64) {
    const fields = view(zip64);
    let at = 0;
    if (size === 0xffffffff && at + 8 <= zip64.length) {
      size = readUint64(fields, at);
      at += 8;
    }
    if (compressedSize === 0xffffffff && at + 8 <= zip64.length) compressedSize = readUint64(fields, at);
  }
  return { offset, name, flags, method, crc: fixed.getUint32(14, true), compressedSize, size, zip64: zip64 !== null };
};

const readUint64 = (data: DataView, at: number): number => data.getUint32(at, true) + data.getUint32(at + 4, true) * 2 ** 32;

const findExtra = (extra: Uint8Array, id: number): Uint8Array | null => {
  const data = view(extra);
  for (let at = 0; at + 4 <= extra.length;) {
    const size = data.getUint16(at + 2, true);
    if (data.getUint16(at, true) === id) return extra.subarray(at + 4, Math.min(extra.length, at + 4 + size));
    at += 4 + size;
  }
  return null;
};

// Names are UTF-8 when flagged; older tools write CP437, which we read as Windows-1252 (close enough for names).
const decodeName = (bytes: Uint8Array, flags: number): string => {
  if (flags & FLAG_UTF8) return new TextDecoder('utf-8').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
};

/** Streams one entry's data; `finish` drains what the consumer left unread and verifies it. */
const readEntryData = (queue: ByteQueue, header: LocalHeader, budget: ArchiveBudget) => {
  const deferred = (header.flags & FLAG_DATA_DESCRIPTOR) !== 0;
  const supported = header.method === STORED || header.method === DEFLATED;
  if (!deferred) budget.checkDeclared(header.size);
  if (deferred && header.method !== DEFLATED) {
    // Nothing marks the end of stored or unknown data whose size comes after it.
    throw new ArchiveError('unsupported', `Entry "${header.name}" gives its size only after its data, which cannot be read in one pass.`);
  }
  let crc = 0;
  let produced = 0;
  let consumed = 0;
  let done = false;
  let failure: unknown = null;
  const pieces = (async function* (): AsyncGenerator<Uint8Array> {
    if (!supported) {
      await skip(queue, header.compressedSize, header.name);
      consumed = header.compressedSize;
      return;
    }
    const pieces = header.method === STORED ? storedData(queue, header) : deflatedData(queue, header, deferred, (n) => (consumed = n));
    for await (const piece of pieces) {
      if (header.method === STORED) consumed += piece.length;
      produced += piece.length;
      budget.produce(piece.length, produced, consumed);
      crc = crc32(piece, crc);
      yield piece;
    }
  })();
  // A failure of the data (a bomb, a bad CRC) is kept, so finish() reports it rather than a size mismatch.
  const iterator = {
    next: async (): Promise<IteratorResult<Uint8Array>> => {
      try {
        return await pieces.next();
      } catch (error) {
        failure ??= error;
        throw error;
      }
    },
  };
  let started = false;
  const content = (): AsyncIterable<Uint8Array> => ({
    [Symbol.asyncIterator]: () => {
      if (started) throw new Error('zip entry content can be read once');
      started = true;
      return {
        next: () => iterator.next(),
        // The consumer stopped early: keep the bytes flowing through the checks in finish().
        return: async () => ({ done: true, value: undefined }),
      };
    },
  });
  const finish = async (): Promise<LocalEntry> => {
    if (failure !== null) throw failure;
    if (!done) {
      for (let next = await iterator.next(); !next.done; next = await iterator.next());
      done = true;
    }
    let expected = { crc: header.crc, compressedSize: header.compressedSize, size: header.size };
    if (deferred) expected = await readDataDescriptor(queue, header.zip64);
    if (supported) {
      if (expected.compressedSize !== consumed || expected.size !== produced) {
        throw new ArchiveError('corrupt', `Entry "${header.name}" does not have the size its header states.`);
      }
      if (expected.crc !== crc) throw new ArchiveError('corrupt', `Entry "${header.name}" fails its CRC-32 check.`);
    }
    return {
      offset: header.offset,
      name: header.name,
      crc: expected.crc,
      compressedSize: consumed,
      size: supported ? produced : expected.size,
      encrypted: false,
    };
  };
  return { content, finish };
};

const skip = async (queue: ByteQueue, n: number, name: string): Promise<void> => {
  for (let left = n; left > 0;) {
    const piece = await queue.next(left);
    if (piece === null) throw new ArchiveError('truncated', `The archive ends inside entry "${name}".`);
    left -= piece.length;
  }
};

async function* storedData(queue: ByteQueue, header: LocalHeader): AsyncGenerator<Uint8Array> {
  for (let left = header.compressedSize; left > 0;) {
    const piece = await queue.next(left);
    if (piece === null) throw new ArchiveError('truncated', `The archive ends inside entry "${header.name}".`);
    left -= piece.length;
    yield piece;
  }
}

async function* deflatedData(queue: ByteQueue, header: LocalHeader, deferred: boolean, onConsumed: (n: number) => void): AsyncGenerator<Uint8Array> {
  const inflater = new RawInflater();
  try {
    let left = deferred ? Infinity : header.compressedSize;
    while (!inflater.finished) {
      const piece = await queue.next(left);
      const final = piece === null || left - piece.length === 0;
      if (piece === null && !deferred) throw new ArchiveError('truncated', `The archive ends inside entry "${header.name}".`);
      if (piece !== null) left -= piece.length;
      yield* inflater.push(piece ?? new Uint8Array(0), final);
      onConsumed(inflater.bytesIn);
    }
    const rest = inflater.rest();
    if (!deferred && (rest.length > 0 || left > 0)) {
      throw new ArchiveError('corrupt', `Entry "${header.name}" has data after the end of its compressed stream.`);
    }
    queue.unshift(rest);
  } finally {
    // A bomb stopped by the budget, or a failed entry: release zlib now, not when collected.
    inflater.destroy();
  }
}

const readDataDescriptor = async (queue: ByteQueue, zip64: boolean) => {
  const sizeBytes = zip64 ? 8 : 4;
  if (!(await queue.ensure(4))) throw new ArchiveError('truncated', 'The archive ends before a data descriptor.');
  const first = queue.take(4);
  if (view(first).getUint32(0, true) !== DATA_DESCRIPTOR) queue.unshift(first); // the signature is optional
  const body = view(await readExact(queue, 4 + 2 * sizeBytes, 'a data descriptor'));
  const size = (at: number): number => (zip64 ? readUint64(body, at) : body.getUint32(at, true));
  return { crc: body.getUint32(0, true), compressedSize: size(4), size: size(4 + sizeBytes) };
};

const inconsistent = (message: string): ArchiveError => new ArchiveError('inconsistent', `${message}: unzip tools could show content that was not checked.`);

const readCentralDirectory = async (queue: ByteQueue, signature: number | null, seen: LocalEntry[], trailer: ZipTrailer): Promise<void> => {
  if (signature === null) throw new ArchiveError('truncated', 'The archive ends before its central directory.');
  if (signature === ARCHIVE_EXTRA_DATA) throw new ArchiveError('encrypted', 'The central directory of the archive is encrypted.');
  const byOffset = new Map(seen.map((entry) => [entry.offset, entry]));
  const listed = new Set<number>();
  let sig: number | null = signature;
  for (; sig === CENTRAL_FILE; sig = await peekSignature(queue)) {
    const fixed = view(await readExact(queue, 46, 'the central directory'));
    const flags = fixed.getUint16(8, true);
    const nameBytes = await readExact(queue, fixed.getUint16(28, true), 'the central directory');
    const extra = await readExact(queue, fixed.getUint16(30, true), 'the central directory');
    const commentLength = fixed.getUint16(32, true);
    await readExact(queue, commentLength, 'the central directory');
    if (commentLength > 0) trailer.comments++;
    if (flags & FLAG_MASKED_HEADERS) throw new ArchiveError('encrypted', 'The central directory of the archive is encrypted.');
    let [size, compressedSize, offset] = [fixed.getUint32(24, true), fixed.getUint32(20, true), fixed.getUint32(42, true)];
    const zip64 = findExtra(extra, 0x0001);
    if (zip64) {
      const fields = view(zip64);
      let at = 0;
      // Only the fields whose 32-bit value is saturated are present, in this order (APPNOTE 4.5.3).
      for (const field of ['size', 'compressedSize', 'offset'] as const) {
        const value = field === 'size' ? size : field === 'compressedSize' ? compressedSize : offset;
        if (value !== 0xffffffff || at + 8 > zip64.length) continue;
        const wide = readUint64(fields, at);
        at += 8;
        if (field === 'size') size = wide;
        else if (field === 'compressedSize') compressedSize = wide;
        else offset = wide;
      }
    }
    const name = decodeName(nameBytes, flags);
    const local = byOffset.get(offset);
    if (local === undefined || listed.has(offset)) throw inconsistent(`The central directory lists "${name}" at a place where no entry was read, or twice`);
    listed.add(offset);
    if (local.name !== name || local.crc !== fixed.getUint32(16, true) || local.size !== size || local.compressedSize !== compressedSize) {
      throw inconsistent(`The central directory describes "${name}" differently from its entry`);
    }
  }
  if (listed.size !== seen.length) throw inconsistent(`${seen.length - listed.size} entries are missing from the central directory`);
  trailer.entries = listed.size;
  if (sig === DIGITAL_SIGNATURE) {
    const head = view(await readExact(queue, 6, 'the central directory'));
    await readExact(queue, head.getUint16(4, true), 'the central directory');
    sig = await peekSignature(queue);
  }
  if (sig === ZIP64_END) {
    const head = view(await readExact(queue, 12, 'the zip64 end record'));
    const size = readUint64(head, 4);
    if (size > 1 << 20) throw inconsistent('The zip64 end record is implausibly large');
    await readExact(queue, size, 'the zip64 end record');
    sig = await peekSignature(queue);
  }
  if (sig === ZIP64_LOCATOR) {
    await readExact(queue, 20, 'the zip64 locator');
    sig = await peekSignature(queue);
  }
  if (sig !== END_OF_CENTRAL) throw inconsistent('Unexpected bytes follow the entries of the archive');
  const end = view(await readExact(queue, 22, 'the end of central directory record'));
  const total = end.getUint16(10, true);
  if (total !== 0xffff && total !== listed.size % 0x10000) throw inconsistent('The end record counts a different number of entries');
  const commentLength = end.getUint16(20, true);
  await readExact(queue, commentLength, 'the archive comment');
  if (commentLength > 0) trailer.comments++;
  if (!(await queue.atEnd())) throw inconsistent('Bytes follow the end of the archive');
};
