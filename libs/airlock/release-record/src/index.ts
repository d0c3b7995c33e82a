export * from './release-record.types';
export { buildReleaseRecord, recordedEvents } from './release-record.build';
export {
  FIVE_SAFES_PROFILE,
  RO_CRATE_CONTEXT,
  RO_CRATE_SPEC,
  toFiveSafesCrate,
  type CrateEntity,
  type CrateOptions,
  type FiveSafesCrate,
} from './five-safes-crate.export';
export * from './release-record.document';
/** A released request's stream (returned for changes, resubmitted, released) for tests of code that uses the record. */
export * as releaseRecordFixtures from './release-record.fixture';
