import type { DetectedType } from '../disclosure.types';

type Signature = { bytes: readonly (number | null)[]; offset?: number; type: DetectedType };

const image = (mediaType: string): DetectedType => ({ kind: 'image', mediaType });
const binary = (mediaType: string): DetectedType => ({ kind: 'binary', mediaType });

// The true type comes from the content: a renamed PNG is still a PNG (docs/design.md, disclosure-check).
// null matches any byte.
export const SIGNATURES: readonly Signature[] = [
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], type: { kind: 'pdf', mediaType: 'application/pdf' } }, // %PDF-
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], type: image('image/png') },
  { bytes: [0xff, 0xd8, 0xff], type: image('image/jpeg') },
  { bytes: [0x47, 0x49, 0x46, 0x38], type: image('image/gif') }, // GIF8
  { bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], type: image('image/webp') },
  { bytes: [0x42, 0x4d], type: image('image/bmp') }, // BM
  { bytes: [0x49, 0x49, 0x2a, 0x00], type: image('image/tiff') },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], type: image('image/tiff') },
  { bytes: [0x00, 0x00, 0x01, 0x00], type: image('image/x-icon') },
  { bytes: [0x1f, 0x8b], type: binary('application/gzip') },
  { bytes: [0x42, 0x5a, 0x68], type: binary('application/x-bzip2') },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], type: binary('application/x-xz') },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], type: binary('application/x-7z-compressed') },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], type: binary('application/vnd.rar') },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], type: binary('application/x-ole-storage') }, // legacy .xls/.doc
  { bytes: [0x50, 0x41, 0x52, 0x31], type: binary('application/vnd.apache.parquet') }, // PAR1
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], type: binary('application/vnd.sqlite3') }, // SQLite f
  { bytes: [0x7f, 0x45, 0x4c, 0x46], type: binary('application/x-elf') },
  { bytes: [0x4d, 0x5a], type: binary('application/vnd.microsoft.portable-executable') }, // MZ
];

export const matchesSignature = (head: Uint8Array, signature: Signature): boolean => {
  const offset = signature.offset ?? 0;
  if (head.length < offset + signature.bytes.length) return false;
  return signature.bytes.every((b, i) => b === null || head[offset + i] === b);
};

export const startsWith = (head: Uint8Array, bytes: readonly number[]): boolean => head.length >= bytes.length && bytes.every((b, i) => head[i] === b);

export const ZIP_LOCAL_FILE = [0x50, 0x4b, 0x03, 0x04] as const;
export const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06] as const;
export const ZIP_SPANNED = [0x50, 0x4b, 0x07, 0x08] as const;
