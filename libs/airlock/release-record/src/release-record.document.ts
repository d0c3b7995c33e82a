import { toAcroResults } from '@airlock/disclosure-rules';
import type { RequestState } from '@airlock/domain';
import { buildReleaseRecord } from './release-record.build';
import { toFiveSafesCrate, type CrateOptions } from './five-safes-crate.export';
import type { RecordAudience, RecordedEvent } from './release-record.types';

// What the HTTP routes and the writer serve: the record as JSON, or as a Five Safes RO-Crate.

export const RELEASE_RECORD_FORMATS = ['json', 'ro-crate'] as const;
export type ReleaseRecordFormat = (typeof RELEASE_RECORD_FORMATS)[number];

export const RELEASE_RECORD_MEDIA_TYPES: Record<ReleaseRecordFormat, string> = {
  json: 'application/json; charset=utf-8',
  // RO-Crate 1.2, appendix on JSON-LD: the media type names the RO-Crate profile.
  'ro-crate': 'application/ld+json; profile="https://w3id.org/ro/crate"; charset=utf-8',
};

/** `undefined` (no choice) is JSON; anything else unknown is null so the caller can refuse it. */
export function parseRecordFormat(value: string | undefined): ReleaseRecordFormat | null {
  if (value === undefined || value === '') return 'json';
  return (RELEASE_RECORD_FORMATS as readonly string[]).includes(value) ? (value as ReleaseRecordFormat) : null;
}

/** Where the TRE's copy lives in the released bucket: next to the files, the crate root. */
/**
 * Where the TRE keeps a request's record. It holds private comments and override reasoning, so it
 * lives in the internal quarantine store, never in the released bucket that leaves the TRE.
 */
export const RELEASE_RECORD_STAGE = 'quarantine';

export function releaseRecordKeys(requestId: string): { record: string; crate: string; acro: string } {
  return {
    record: `records/${requestId}/release-record.json`,
    crate: `records/${requestId}/ro-crate-metadata.json`,
    acro: `records/${requestId}/results.json`,
  };
}

export type ReleaseRecordDocument = { format: ReleaseRecordFormat; contentType: string; body: string };

export function releaseRecordDocument(
  state: RequestState,
  events: readonly RecordedEvent[],
  options: { audience: RecordAudience; format: ReleaseRecordFormat; crate?: CrateOptions },
): ReleaseRecordDocument {
  const record = buildReleaseRecord(state, events, { audience: options.audience });
  // Only the TRE's crate sits next to the stored JSON record, so only it lists that file.
  const crateOptions: CrateOptions = { ...options.crate, ...(options.audience === 'tre' ? { recordFile: 'release-record.json' } : {}) };
  const document = options.format === 'json' ? record : toFiveSafesCrate(record, crateOptions);
  return { format: options.format, contentType: RELEASE_RECORD_MEDIA_TYPES[options.format], body: `${JSON.stringify(document, null, 2)}\n` };
}

/**
 * The released package as an ACRO results.json (ACRO 1.0.2's format, which SACRO-Viewer opens):
 * one output per released file with its automated verdict, the cells each rule flagged and the
 * findings as comments, timed at the release. Files that were not released are left out.
 */
export function releaseAcroResults(state: RequestState, events: readonly RecordedEvent[]): { contentType: string; body: string } {
  const record = buildReleaseRecord(state, events, { audience: 'tre' });
  const released = new Set(record.release.files.map((f) => f.fileId));
  const files = record.files
    .filter((file) => released.has(file.fileId))
    .map((file) => ({
      name: file.name,
      verdict: file.check?.verdict ?? ('review' as const),
      fileType: { kind: file.check?.fileType ?? 'unknown' },
      findings: file.check?.findings ?? [],
    }));
  return { contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(toAcroResults(files, record.release.releasedAt), null, 2)}\n` };
}
