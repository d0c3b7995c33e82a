import path from 'node:path';

/**
 * The pure parts of the `airlock` CLI: exit codes, names, part plans and the formatting of bytes,
 * rates and times. No I/O here, so every rule is unit tested (cli-core.spec.ts).
 */

/** Exit codes, documented in docs/cli.md; scripts may rely on them. */
export const EXIT = {
  ok: 0,
  /** An unexpected failure (a bug, or an answer the CLI does not understand). */
  error: 1,
  /** Wrong options or arguments, or a local file that cannot be read. */
  usage: 2,
  /** Not logged in, or the token was refused (401): run `airlock login`. */
  auth: 3,
  /** No such request, file or upload (404). */
  notFound: 4,
  /** The server refused the action (403 or another 4xx: wrong state, name taken, not the author, ...). */
  refused: 5,
  /** A SHA-256 did not match: an upload the server refused as changed, or a download that differs. */
  verification: 6,
  /** The server or the network is unavailable (5xx, connection refused or lost): try again; push resumes. */
  unavailable: 7,
  /** `status --watch` ended at a state other than released (rejected, blocked, changes requested, ...). */
  notReleased: 8,
  /** Interrupted (Ctrl-C): run the same command again, a push continues from its last confirmed part. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for an HTTP answer that is not a success. */
export function exitCodeForStatus(status: number, code?: string): ExitCode {
  if (code === 'HASH_MISMATCH') return EXIT.verification;
  if (status === 401) return EXIT.auth;
  if (status === 404 || status === 410) return EXIT.notFound;
  if (status >= 500 || status === 429 || status === 408) return EXIT.unavailable;
  return EXIT.refused;
}

/** Worth sending again: the server or the network failed, not the request. */
export const isRetryable = (status: number) => status >= 500 || status === 429 || status === 408;

/**
 * A file's name in the request: the server takes no slashes, so a file in a sub-folder of a pushed
 * folder is named by its path with `__` for each `/` (`tables/ward.csv` becomes `tables__ward.csv`).
 */
export function uploadName(relativePath: string): string {
  return relativePath
    .split(/[\\/]+/)
    .filter(Boolean)
    .join('__');
}

/** Upload names for the files under each argument: a file by its own name, a folder's files relative to it. */
export function namesFor(args: readonly { arg: string; isFolder: boolean }[], files: readonly { argIndex: number; path: string }[]): string[] {
  return files.map(({ argIndex, path: file }) => {
    const { arg, isFolder } = args[argIndex];
    return uploadName(isFolder ? path.relative(path.resolve(arg), file) : path.basename(file));
  });
}

/** The first names given to two different files, or undefined when all are distinct. */
export function firstDuplicate(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

export type PartRange = { partNumber: number; start: number; end: number };

/** Every part of a file of `size` bytes in parts of `partSize` (the last one shorter); `end` exclusive. */
export function partRanges(size: number, partSize: number): PartRange[] {
  if (!Number.isSafeInteger(partSize) || partSize < 1) throw new RangeError('partSize must be a positive integer');
  const ranges: PartRange[] = [];
  for (let start = 0, n = 1; start < size; start += partSize, n++) ranges.push({ partNumber: n, start, end: Math.min(size, start + partSize) });
  return ranges;
}

/**
 * What a resumed upload still has to send: the parts the server did not confirm with the expected
 * length. A confirmed part of the wrong length (it cannot be ours) is sent again.
 */
export function partsToSend(size: number, partSize: number, confirmed: readonly { partNumber: number; size: number }[]): PartRange[] {
  const good = new Map(confirmed.map((p) => [p.partNumber, p.size]));
  return partRanges(size, partSize).filter((r) => good.get(r.partNumber) !== r.end - r.start);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${UNITS[unit]}`;
}

export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return '-';
  return `${formatBytes(Math.round((bytes * 1000) / ms))}/s`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Time left at the rate so far; undefined before anything moved. */
export function etaSeconds(done: number, total: number, elapsedMs: number): number | undefined {
  if (done <= 0 || elapsedMs <= 0) return undefined;
  return ((total - done) * elapsedMs) / done / 1000;
}

/** A plain progress line is due when the file crosses another tenth (lines stay few when not a terminal). */
export function crossedTenth(before: number, after: number, total: number): boolean {
  if (total <= 0) return false;
  return Math.floor((before * 10) / total) !== Math.floor((after * 10) / total);
}

/** The claims of a JWT, read without verifying it (the server verifies; this is only to show who). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new CliError(EXIT.auth, 'The stored token is not a JWT; run airlock login again');
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('not an object');
    return claims as Record<string, unknown>;
  } catch {
    throw new CliError(EXIT.auth, 'The stored token cannot be read; run airlock login again');
  }
}

/** Roles as the services read them: `roles`, and Keycloak's `realm_access.roles`. */
export function rolesOf(claims: Record<string, unknown>): string[] {
  const own = Array.isArray(claims['roles']) ? claims['roles'] : [];
  const realm = claims['realm_access'] as { roles?: unknown } | undefined;
  const keycloak = Array.isArray(realm?.roles) ? realm.roles : [];
  return [...new Set([...own, ...keycloak].filter((r): r is string => typeof r === 'string'))];
}

/** States a request never leaves on its own: a watch ends there. */
export const FINAL_STATES = new Set(['released', 'rejected', 'withdrawn', 'blocked', 'failed', 'revoked']);

/**
 * Whether `status --watch` stops: at a final state, or when the request comes back to its author
 * (changes requested) after the watch began elsewhere. A draft waits for its author's submit, which
 * may come from another terminal, so a watch over a draft keeps going.
 */
export function watchEnds(status: string, startedAt: string): boolean {
  return FINAL_STATES.has(status) || (status === 'changes_requested' && startedAt !== 'changes_requested');
}
