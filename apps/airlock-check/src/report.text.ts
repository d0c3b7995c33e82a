import type { CellRef, DisclosurePolicy, FileResult, Finding, Verdict } from '@airlock/disclosure-rules';

const LABEL: Record<Verdict, string> = { pass: 'PASS  ', fail: 'FAIL  ', review: 'REVIEW' };
const LISTED_CELLS = 8;

/** The readable report: one block per file, its findings and the cells they name, then a summary. */
export const textReport = (results: readonly FileResult[], policy: DisclosurePolicy, rulesVersion: string): string => {
  const lines: string[] = [];
  for (const result of results) {
    const role = result.supporting ? `, supporting: ${result.supporting === 'evidence' ? 'evidence' : 'ACRO metadata'}` : '';
    lines.push(`${LABEL[result.verdict]}  ${result.name} (${result.fileType.kind}${role})`);
    if (result.acro) {
      const exception = result.acro.exception ? '; exception requested' : '';
      lines.push(`          ACRO ${result.acro.outputId} (${result.acro.type || 'output'}): ${result.acro.status}${exception}`);
    }
    for (const finding of result.findings) lines.push(...findingLines(finding));
  }
  const count = (v: Verdict): number => results.filter((r) => r.verdict === v).length;
  lines.push(
    '',
    `${results.length} file${results.length === 1 ? '' : 's'}: ${count('fail')} fail, ${count('review')} review, ${count('pass')} pass`,
    `Policy: threshold ${policy.threshold}${policy.zerosAreDisclosive ? ' (zeros disclosive)' : ''}, p ${policy.p}, nk n=${policy.nkN} k=${policy.nkK}, ` +
      `class share ${policy.classDisclosureShare}, residual dof ${policy.minResidualDof}; rules ${rulesVersion}`,
  );
  return lines.join('\n') + '\n';
};

const findingLines = (finding: Finding): string[] => {
  const head = `          ${finding.rule} (${finding.verdict}): ${finding.message}`;
  if (finding.cells.length === 0) return [head];
  const shown = finding.cells.slice(0, LISTED_CELLS).map(cellText).join('; ');
  const total = finding.cellCount ?? finding.cells.length;
  const more = total > LISTED_CELLS ? `; and ${total - LISTED_CELLS} more` : '';
  return [head, `            cells: ${shown}${more}`];
};

/** "[0,3] 2010 / R/G": position and labels, never the value. */
const cellText = (cell: CellRef): string => {
  const labels = [cell.rowLabel, cell.columnLabel].filter((l) => l !== undefined && l !== '');
  return `[${cell.row},${cell.column}]${labels.length > 0 ? ` ${labels.join(' / ')}` : ''}`;
};
