import {
  checkDifferencing,
  combineVerdicts,
  type ComparedTable,
  type DisclosurePolicy,
  type FileResult,
  type Finding,
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

/**
 * The differencing checks of one turn (issue 11): each count table of the turn against the
 * tables released in its data domain (read from the ledger a page at a time), the other tables
 * of the request, and its own earlier turns. Findings are added to each file's result; a
 * finding names the other file, never a value, and the log holds only counts.
 */
export class TurnDifferencing {
  constructor(
    private readonly ledger: ReleasedTables,
    private readonly store: ObjectStore,
    private readonly logger: Logger,
  ) {}

  async apply(turn: TurnToCheck, results: FileResult[], policy: DisclosurePolicy): Promise<FileResult[]> {
    const snapshots = new Map<number, TableSnapshot>();
    for (const [index, file] of turn.files.entries()) {
      const table = await this.snapshotOf(file, results[index], policy);
      if (table) snapshots.set(index, table);
    }
    const out = [...results];
    for (const [index, table] of snapshots) {
      const file = turn.files[index];
      const found: Finding[] = [];
      const compare = (other: ComparedTable) => {
        for (const { against: _against, ...finding } of checkDifferencing(table, [other], policy)) found.push(finding);
      };
      for (const [j, other] of snapshots) {
        if (j !== index) compare({ origin: { relation: 'request', fileName: turn.files[j].name }, table: other });
      }
      for (const earlier of turn.history) {
        const before = earlier.files.find((f) => f.name === file.name && f.sha256 !== file.sha256);
        const other = before && (await this.ledger.snapshot(before.sha256));
        if (other) compare({ origin: { relation: 'turn', fileName: file.name, turn: earlier.turn }, table: other });
      }
      for await (const released of this.ledger.candidates(turn.domain, table, turn.requestId)) compare(released);
      if (found.length === 0) continue;
      const findings = [...results[index].findings, ...found];
      out[index] = { ...results[index], findings, verdict: combineVerdicts(findings) };
      this.logger.info(
        { requestId: turn.requestId, fileId: file.fileId, differencing: found.length, verdicts: found.map((f) => f.verdict) },
        'differencing findings',
      );
    }
    return out;
  }

  /**
   * The count table of an output file, kept by the SHA-256 of its bytes (read again from
   * quarantine, the hash verified; a mismatch is left to the check's own verification).
   */
  private async snapshotOf(file: SubmittedFile, result: FileResult, policy: DisclosurePolicy): Promise<TableSnapshot | null> {
    if (file.kind === 'supporting' || result.supporting || !['csv', 'tsv'].includes(result.fileType.kind)) return null;
    const known = await this.ledger.snapshot(file.sha256);
    if (known) return known;
    const read = await readVerifiedSnapshot(this.store, 'quarantine', file.quarantineKey, file, policy);
    if (!read?.sha256Matches) return null;
    const { table } = read;
    await this.ledger.saveSnapshot(file.sha256, table);
    return table;
  }
}
