import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ChainRangeError, ExportVerifier, publicKeyFromPem, verifyStoredChain, type ExportVerdict, type StoredChainVerdict } from '@airlock/access-log';
import { createDb } from '@airlock/database';
import { fileLines } from './line-reader';

export const USAGE = `airlock-audit: verify the Airlock audit chain

  airlock-audit verify [--from N] [--to M] [--public-key key.pem ...] [--database-url URL] [--schema NAME]
      Streams the chain as stored in PostgreSQL and names the first record altered, deleted,
      inserted or reordered. Checkpoints are checked against the --public-key files when given
      (the current key and every retired one; a checkpoint of any other key fails).
      Database: --database-url, else AIRLOCK_AUDIT_DATABASE_URL, else AIRLOCK_DATABASE_URL.

  airlock-audit verify-export <file.jsonl> --public-key key.pem
      Verifies an export (GET /audit/export?format=jsonl) offline against the signed checkpoint it
      carries. The public key is served at GET /audit/public-key.

Prints the verdict as JSON on stdout and a summary on stderr. Exit status: 0 verified,
1 tampered or not verifiable, 2 usage or connection error.`;

export type CliIo = { out(text: string): void; err(text: string): void; env: Record<string, string | undefined> };

class UsageError extends Error {}

function positive(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

function summary(verdict: StoredChainVerdict | ExportVerdict): string {
  if ('status' in verdict) {
    if (verdict.valid)
      return `verified: ${verdict.records} records (${verdict.firstPosition}..${verdict.lastPosition}), signed through ${verdict.signedThrough}${verdict.unsignedRecords ? `, ${verdict.unsignedRecords} after the checkpoint` : ''}`;
    if (verdict.finding) return `TAMPERED: record ${verdict.finding.position} ${verdict.finding.kind}: ${verdict.finding.detail}`;
    return `${verdict.status.toUpperCase()}: ${verdict.reason ?? ''}`;
  }
  if (verdict.valid)
    return `valid: ${verdict.count} records${verdict.lastPosition ? ` (${verdict.firstPosition}..${verdict.lastPosition})` : ''}, head ${verdict.headHash}, ${verdict.checkpointsMatched} checkpoint(s) matched`;
  return `INVALID: record ${verdict.firstInvalidPosition} ${verdict.kind}: ${verdict.detail}`;
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
      'database-url': { type: 'string' },
      schema: { type: 'string' },
      'page-size': { type: 'string' },
    },
  });
  const url = values['database-url'] ?? io.env.AIRLOCK_AUDIT_DATABASE_URL ?? io.env.AIRLOCK_DATABASE_URL;
  if (!url) throw new UsageError('no database: pass --database-url or set AIRLOCK_DATABASE_URL');
  const from = positive(values.from, 'from') ?? 1;
  const to = positive(values.to, 'to');
  if (to !== undefined && to < from) throw new UsageError('--to must not be before --from');
  const trustedKeys = values['public-key']?.map((file) => publicKeyFromPem(readFileSync(file, 'utf8')));
  const db = createDb({ url, max: 2, applicationName: 'airlock-audit-cli', schema: values.schema });
  try {
    const verdict = await verifyStoredChain(db, { from, to, trustedKeys, pageSize: positive(values['page-size'], 'page-size') }).catch((error: unknown) => {
      // A range the chain cannot answer (a start past its end) is a usage error, not tampering.
      throw error instanceof ChainRangeError ? new UsageError(error.message) : error;
    });
    io.out(`${JSON.stringify(verdict)}\n`);
    io.err(`${summary(verdict)}\n`);
    return verdict.valid ? 0 : 1;
  } finally {
    await db.close();
  }
}

async function verifyExport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { 'public-key': { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('verify-export takes one file');
  if (!values['public-key']) throw new UsageError('verify-export needs --public-key key.pem');
  const verifier = new ExportVerifier(publicKeyFromPem(readFileSync(values['public-key'], 'utf8')));
  for await (const line of fileLines(positionals[0])) {
    verifier.line(line);
    if (verifier.done) break;
  }
  const verdict = verifier.finish();
  io.out(`${JSON.stringify(verdict)}\n`);
  io.err(`${summary(verdict)}\n`);
  return verdict.valid ? 0 : 1;
}

export async function runAuditCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'verify':
        return await verify(rest, io);
      case 'verify-export':
        return await verifyExport(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(`airlock-audit: ${(error as Error).message}\n${usage ? `\n${USAGE}\n` : ''}`);
    return 2;
  }
}
