export {
  STAGES,
  isResumableUploadStore,
  type ListedObject,
  type ObjectRef,
  type ObjectStore,
  type OpenUpload,
  type PutOptions,
  type ResumableUploadStore,
  type Stage,
  type StoredObject,
  type StoredPart,
} from './object-store.port';
export {
  HashMismatchError,
  InvalidKeyError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  StorageError,
  StorageUnavailableError,
  type StorageErrorCode,
} from './storage.errors';
export { assertValidKey } from './object-key';
export { DEFAULT_BUCKETS, S3ObjectStore, type S3ObjectStoreConfig } from './s3-object-store';
export { LocalDiskObjectStore } from './local-disk-object-store';
export { crashPlan, FaultInjectingObjectStore, faultPlanFromEnv, InjectedFaultError, type FaultPlan, type StoreStep } from './fault-injecting-object-store';
export { holds, moveVerified, type MoveOutcome } from './verified-move';
