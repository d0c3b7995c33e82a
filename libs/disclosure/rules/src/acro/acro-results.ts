/**
 * ACRO's results.json (AI-SDC/ACRO acro/record.py, finalise_json): a version, and per output id its
 * status, type, properties, files (each with `sdc` cell flags), outcome, command, summary,
 * timestamp, comments and exception. Checksums are `checksums/<file>.txt` beside it (SHA-256 hex).
 */
export type AcroFileSdc = { summary?: Record<string, unknown>; cells?: Record<string, unknown> };

export type AcroOutput = {
  uid: string;
  status: string;
  type: string;
  command: string;
  summary: string;
  comments: string[];
  exception: string;
  timestamp: string;
  files: { name: string; sdc: AcroFileSdc }[];
  /** ACRO 1.x: the status of each check it ran. */
  checkStatus: Record<string, string>;
};

export type AcroResults = { version: string; outputs: AcroOutput[] };

const MAX_RESULTS_BYTES = 64 << 20;
export const ACRO_RESULTS_CAPTURE_BYTES = MAX_RESULTS_BYTES;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Parses a results.json; null when the bytes are not ACRO's format (then it is an ordinary file). */
export const parseAcroResults = (bytes: Uint8Array): AcroResults | null => {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  // SACRO-Viewer's own structural check: a version, results, and files with names.
  if (!isRecord(data) || typeof data.version !== 'string' || !isRecord(data.results)) return null;
  const outputs: AcroOutput[] = [];
  for (const [key, value] of Object.entries(data.results)) {
    if (!isRecord(value) || !Array.isArray(value.files)) return null;
    const files = value.files.map((f) =>
      isRecord(f) && typeof f.name === 'string' ? { name: f.name, sdc: isRecord(f.sdc) ? (f.sdc as AcroFileSdc) : {} } : null,
    );
    if (files.some((f) => f === null)) return null;
    const fair = isRecord(value.fair) && isRecord(value.fair.check_status) ? value.fair.check_status : {};
    outputs.push({
      uid: text(value.uid) || key,
      status: text(value.status).toLowerCase(),
      type: text(value.type),
      command: text(value.command),
      summary: text(value.summary),
      comments: Array.isArray(value.comments) ? value.comments.filter((c): c is string => typeof c === 'string') : [],
      exception: text(value.exception),
      timestamp: text(value.timestamp),
      files: files as AcroOutput['files'],
      checkStatus: Object.fromEntries(Object.entries(fair).map(([k, v]) => [k, text(v).toLowerCase()])),
    });
  }
  return { version: data.version, outputs };
};
