import { detectFileType } from '@airlock/disclosure-rules';
import type { ApprovalPolicy } from './approval-policy';

// Imports (docs/adr/0012-imports.md): files coming into the TRE. A request's direction is chosen
// when it is created; requests recorded before directions existed are exports.
export type RequestDirection = 'export' | 'import';
export const REQUEST_DIRECTIONS: readonly RequestDirection[] = ['export', 'import'];

/** The kinds of file a project may let in. */
export type ImportKind = 'code' | 'packages' | 'data' | 'documents';
export const IMPORT_KINDS: readonly ImportKind[] = ['code', 'packages', 'data', 'documents'];

/** What a file was found to be: one of the kinds, or `unrecognised` (never allowed in). */
export type ImportClassification = { kind: ImportKind | 'unrecognised'; mediaType: string; reason?: string };

/**
 * A project's import policy. The malware scan is not configurable: it always runs.
 * Statistical disclosure checks are off by default (they judge outputs, not reference data).
 */
export type ImportPolicy = { allowedKinds: ImportKind[]; disclosureChecks: boolean; requiredApprovals: number };

// Packages carry install scripts that run inside the TRE: a project opts into them explicitly.
export const DEFAULT_IMPORT_POLICY: ImportPolicy = { allowedKinds: ['code', 'data', 'documents'], disclosureChecks: false, requiredApprovals: 1 };

/** The import policy in force: the project's, member by member over the defaults. */
export function importPolicyOf(policy: { imports?: Partial<ImportPolicy> }): ImportPolicy {
  return { ...DEFAULT_IMPORT_POLICY, ...policy.imports };
}

/** The approval policy an import request records at submission (one checker by default). */
export function importApprovalPolicy(policy: ImportPolicy): ApprovalPolicy {
  return { requiredApprovals: policy.requiredApprovals, extraApprovalForReview: false, extraApprovalForKinds: [] };
}

/** How many leading bytes the classification needs: enough for every signature and a text check. */
export const IMPORT_SNIFF_BYTES = 8192;

// What the content must look like for each family of names. `text` is any text encoding the
// disclosure rules' detector recognises (csv, tsv and plain text are all text).
type Content = 'text' | 'pdf' | 'zip' | 'office' | 'xlsx' | 'gzip' | 'bzip2' | 'xz' | 'tar' | 'parquet' | 'sqlite' | 'image';
type NameRule = { pattern: RegExp; kind: ImportKind; content: readonly Content[] };

const TEXT: readonly Content[] = ['text'];
// Longer suffixes first (.tar.gz before .gz). Every name must match one rule, and its content the rule's list.
const NAME_RULES: readonly NameRule[] = [
  { pattern: /\.(tar\.gz|tgz|crate)$/i, kind: 'packages', content: ['gzip'] },
  { pattern: /\.(tar\.bz2|tbz2)$/i, kind: 'packages', content: ['bzip2'] },
  { pattern: /\.(tar\.xz|txz)$/i, kind: 'packages', content: ['xz'] },
  { pattern: /\.tar$/i, kind: 'packages', content: ['tar'] },
  { pattern: /\.(whl|zip|nupkg)$/i, kind: 'packages', content: ['zip'] },
  {
    pattern: /\.(py|r|rmd|qmd|ipynb|sql|sh|bash|js|mjs|ts|jl|do|ado|sas|sps|m|c|h|cc|cpp|hpp|java|scala|kt|rs|go|rb|pl|stan|yaml|yml|toml|cfg|ini)$/i,
    kind: 'code',
    content: TEXT,
  },
  { pattern: /\.(csv|tsv|tab|json|jsonl|ndjson|xml)$/i, kind: 'data', content: TEXT },
  { pattern: /\.parquet$/i, kind: 'data', content: ['parquet'] },
  { pattern: /\.xlsx$/i, kind: 'data', content: ['xlsx'] },
  { pattern: /\.(sqlite|sqlite3|db)$/i, kind: 'data', content: ['sqlite'] },
  { pattern: /\.(txt|md|rst|tex|bib|html|htm)$/i, kind: 'documents', content: TEXT },
  { pattern: /\.pdf$/i, kind: 'documents', content: ['pdf'] },
  { pattern: /\.(docx|pptx|odt|odp|ods)$/i, kind: 'documents', content: ['office'] },
  { pattern: /\.(png|jpe?g|gif|tiff?)$/i, kind: 'documents', content: ['image'] },
];

const MEDIA_CONTENT: Readonly<Record<string, Content>> = {
  'application/pdf': 'pdf',
  'application/gzip': 'gzip',
  'application/x-bzip2': 'bzip2',
  'application/x-xz': 'xz',
  'application/vnd.apache.parquet': 'parquet',
  'application/vnd.sqlite3': 'sqlite',
};

const EXECUTABLE = new Set(['application/x-elf', 'application/vnd.microsoft.portable-executable']);
const MACH_O = [
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0xca, 0xfe, 0xba, 0xbe],
];
const startsWith = (head: Uint8Array, bytes: readonly number[], offset = 0) => bytes.every((b, i) => head[offset + i] === b);
// POSIX tar: "ustar" at offset 257 of the first header.
const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72];

/** The content family of a file's first bytes, from the disclosure rules' magic-byte detector. */
function contentOf(head: Uint8Array, name: string): { content: Content | 'executable' | 'other'; mediaType: string } {
  if (MACH_O.some((m) => startsWith(head, m))) return { content: 'executable', mediaType: 'application/x-mach-binary' };
  if (startsWith(head, USTAR, 257)) return { content: 'tar', mediaType: 'application/x-tar' };
  const detected = detectFileType(head, name);
  if (EXECUTABLE.has(detected.mediaType)) return { content: 'executable', mediaType: detected.mediaType };
  switch (detected.kind) {
    case 'csv':
    case 'tsv':
    case 'text':
      return { content: 'text', mediaType: detected.mediaType };
    case 'xlsx':
      return { content: 'xlsx', mediaType: detected.mediaType };
    case 'image':
      // SVG is text that can carry script: not an image here.
      return { content: detected.mediaType === 'image/svg+xml' ? 'other' : 'image', mediaType: detected.mediaType };
    case 'zip': {
      const names = new TextDecoder('latin1').decode(head);
      const office = /(word|ppt)\/|\[Content_Types\]\.xml|mimetypeapplication\/vnd\.oasis\.opendocument/.test(names);
      return { content: office ? 'office' : 'zip', mediaType: detected.mediaType };
    }
    default:
      return { content: MEDIA_CONTENT[detected.mediaType] ?? 'other', mediaType: detected.mediaType };
  }
}

/**
 * The kind of an incoming file from its name AND its first bytes (IMPORT_SNIFF_BYTES of them):
 * the name proposes a kind, the content must be what such a name holds. A name alone is never
 * trusted: `model.py` holding an ELF binary, or `data.csv` holding a zip, is `unrecognised`;
 * executables are `unrecognised` whatever their name.
 */
export function classifyImport(head: Uint8Array, name: string): ImportClassification {
  const { content, mediaType } = contentOf(head, name);
  if (content === 'executable') return { kind: 'unrecognised', mediaType, reason: 'executable programs cannot be imported' };
  const rule = NAME_RULES.find((r) => r.pattern.test(name));
  if (!rule) return { kind: 'unrecognised', mediaType, reason: 'the file name has no extension of a known importable kind' };
  if (head.length === 0 || content === 'other' || !rule.content.includes(content)) {
    return { kind: 'unrecognised', mediaType, reason: `the content (${head.length === 0 ? 'empty' : mediaType}) is not what its name says` };
  }
  return { kind: rule.kind, mediaType };
}

/**
 * What a file's name alone proposes, before a byte is read: lets an upload of a kind the project
 * does not allow be refused at once. Never the final word: classifyImport also reads the bytes.
 */
export function importClassificationByName(name: string): ImportClassification {
  const rule = NAME_RULES.find((r) => r.pattern.test(name));
  if (!rule) return { kind: 'unrecognised', mediaType: 'application/octet-stream', reason: 'the file name has no extension of a known importable kind' };
  return { kind: rule.kind, mediaType: 'application/octet-stream' };
}

/** Why the policy refuses this file, or undefined when it may come in. */
export function importRefusal(policy: Pick<ImportPolicy, 'allowedKinds'>, found: ImportClassification): string | undefined {
  if (found.kind === 'unrecognised') return `not an importable file: ${found.reason ?? 'unrecognised content'}`;
  if (!policy.allowedKinds.includes(found.kind))
    return `this project does not allow ${found.kind} to be imported (allowed: ${policy.allowedKinds.join(', ') || 'none'})`;
  return undefined;
}
