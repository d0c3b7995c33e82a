import {
  checkDifferencing,
  describePart,
  combineVerdicts,
  type ComparedTable,
  type DisclosurePolicy,
  type FileResult,
  type Finding,
  type PartSnapshot,
  type TableSnapshot,
} from '@airlock/disclosure-rules';
import type { SubmittedFile, TurnRecord } from '@airlock/domain';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';
import type { ReleasedTables } from './released-tables.repository';
import { readVerifiedSnapshot } from './verified-snapshot';

export type TurnToCheck = {
  requestId: string;
  turn: number;
  /** The ledger the request is compared against (domainOf). */
  domain: string;
  files: SubmittedFile[];
  /** Earlier turns of the request: a file's earlier versions are compared too. */
  history: TurnRecord[];
};

const TABLE_KINDS = new Set(['csv', 'tsv', 'xlsx', 'zip']);

/**
 * The differencing checks of one turn (issue 11): each count table of the turn (a CSV, a
 * workbook's sheet, a CSV inside a zip archive) against the tables released in its data domain
 * (read from the ledger a page at a time), the other tables of the request, and its own earlier
 * turns. Findings are added to each file's result; a
 * finding names the other file, never a value, and the log holds only counts.
 */
export class TurnDifferencing {
  constructor(
    private readonly ledger: ReleasedTables,
    private readonly store: ObjectStore,
    private readonly logger: Logger,
  ) {}

  async apply(turn: TurnToCheck, results: FileResult[], policy: DisclosurePolicy): Promise<FileResult[]> {
    // Each file's tables: a CSV is one; a workbook's sheets and an archive's CSV members are one each.
    const tables: { index: number; part?: string; table: TableSnapshot }[] = [];
    for (const [index, file] of turn.files.entries()) {
      for (const { part, table } of await this.snapshotsOf(file, results[index], policy)) tables.push({ index, part, table });
    }
    const found = new Map<number, Finding[]>();
    for (const mine of tables) {
      const file = turn.files[mine.index];
      const list = found.get(mine.index) ?? [];
      // A finding on a sheet or member names it first, as the file's other findings on it do.
      const where = mine.part === undefined ? '' : `${describePart(mine.part)}: `;
      const compare = (other: ComparedTable) => {
        for (const { against: _against, ...finding } of checkDifferencing(mine.table, [other], policy))
          list.push({ ...finding, message: where + finding.message });
      };
      for (const other of tables) {
        if (other !== mine) compare({ origin: { relation: 'request', fileName: turn.files[other.index].name, part: other.part }, table: other.table });
      }
      for (const earlier of turn.history) {
        const before = earlier.files.find((f) => f.name === file.name && f.sha256 !== file.sha256);
        const parts = before ? await this.ledger.snapshots(before.sha256) : null;
        for (const { part, table } of parts ?? []) compare({ origin: { relation: 'turn', fileName: file.name, turn: earlier.turn, part }, table });
      }
      for await (const released of this.ledger.candidates(turn.domain, mine.table, turn.requestId)) compare(released);
      found.set(mine.index, list);
    }
    const out = [...results];
    for (const [index, list] of found) {
      if (list.length === 0) continue;
      const findings = [...results[index].findings, ...list];
      out[index] = { ...results[index], findings, verdict: combineVerdicts(findings) };
      this.logger.info(
        { requestId: turn.requestId, fileId: turn.files[index].fileId, differencing: list.length, verdicts: list.map((f) => f.verdict) },
        'differencing findings',
      );
    }
    return out;
  }

  /**
   * The count tables of an output file, kept by the SHA-256 of its bytes (read again from
   * quarantine, the hash verified; a mismatch is left to the check's own verification).
   */
  private async snapshotsOf(file: SubmittedFile, result: FileResult, policy: DisclosurePolicy): Promise<PartSnapshot[]> {
    if (file.kind === 'supporting' || result.supporting || !TABLE_KINDS.has(result.fileType.kind)) return [];
    const known = await this.ledger.snapshots(file.sha256);
    if (known) return known;
    const read = await readVerifiedSnapshot(this.store, 'quarantine', file.quarantineKey, file, policy);
    if (!read?.sha256Matches) return [];
    await this.ledger.saveSnapshots(file.sha256, read.parts);
    return read.parts;
  }
}
