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

export function releaseRecordKeys(requestId: string): { record: string; crate: string } {
  return { record: `records/${requestId}/release-record.json`, crate: `records/${requestId}/ro-crate-metadata.json` };
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
