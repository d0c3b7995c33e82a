import { checkpointLine, exportHeaderLine, recordLine, type Checkpoint } from '@airlock/access-log';
import { cefLine } from './cef';
import { filterAsStrings, isSubset, type AuditFilter } from './audit-query';
import type { AuditLogRepository } from './audit-log.repository';
import { toAuditRecord } from './audit-record';

export type ExportFormat = 'jsonl' | 'cef';

export type ExportPlan = { filter: AuditFilter; checkpoint?: Checkpoint };

/**
 * Which checkpoint signs an export. A plain range up to now gets a fresh one over the current head
 * (so the file verifies offline from end to end); a range up to `to` gets the newest at or below it.
 */
export async function planExport(
  filter: AuditFilter,
  checkpoints: { checkpointNow(): Promise<Checkpoint | undefined>; latest(atMost?: number): Promise<Checkpoint | undefined> },
): Promise<ExportPlan> {
  if (!isSubset(filter) && filter.toPosition === undefined) {
    const checkpoint = await checkpoints.checkpointNow();
    return { filter: { ...filter, toPosition: checkpoint?.position ?? 0 }, checkpoint };
  }
  return { filter, checkpoint: await checkpoints.latest(filter.toPosition) };
}

/** The export, line by line, read page by page (never the whole result in memory). */
export async function* exportLines(log: AuditLogRepository, format: ExportFormat, plan: ExportPlan, exportedAt: string): AsyncGenerator<string> {
  if (format === 'jsonl') {
    yield exportHeaderLine({
      from: plan.filter.fromPosition ?? 1,
      to: plan.filter.toPosition ?? null,
      filter: filterAsStrings(subsetOnly(plan.filter)),
      exportedAt,
    });
    if (plan.checkpoint) yield checkpointLine(plan.checkpoint);
  }
  if (plan.filter.toPosition === 0) return;
  for await (const page of log.stream(plan.filter)) {
    yield page.map((link) => (format === 'jsonl' ? recordLine(link) : cefLine(toAuditRecord(link)))).join('');
  }
}

function subsetOnly(filter: AuditFilter): AuditFilter {
  const { fromPosition: _from, toPosition: _to, ...rest } = filter;
  return rest;
}
