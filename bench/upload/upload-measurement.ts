// One upload of the test file, as either side of the benchmark measured it.
export type UploadSide = 'ingress' | 'direct';

export type UploadMeasurement = {
  side: UploadSide;
  run: number;
  bytes: number;
  /** From the first byte sent to the upload being complete (for ingress: its HTTP response). */
  durationMs: number;
  /** VmRSS of the uploading process just before the upload. */
  idleRssBytes: number;
  /** VmHWM of the uploading process right after the upload. */
  peakRssBytes: number;
  /** Ingress only: when the last byte of the request body had been handed to the socket. */
  bodySentMs?: number;
};
