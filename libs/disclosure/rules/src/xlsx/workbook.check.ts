import { checkTableRows } from '../tables/table-rows.check';
import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { WorkbookCollector } from './workbook.collector';
import { sheetPlace } from './workbook.read';

/** Each sheet of a workbook is a table: the same rules as a CSV, findings naming the sheet. */
export const checkWorkbookSheets = async (workbook: WorkbookCollector, policy: DisclosurePolicy): Promise<Finding[]> => {
  const findings: Finding[] = [];
  const sheets = workbook.sheets();
  if (workbook.stringsTruncated) {
    findings.push(review('The workbook holds more text than can be read automatically; cells with unread text go to a checker.'));
  }
  for (const sheet of sheets) {
    const where = sheetPlace(sheet);
    if (sheet.tooLarge) {
      findings.push(review(`${where}: the sheet has more than ${policy.maxTableCells} cells (policy maxTableCells), too many to check automatically.`));
      continue;
    }
    const rows = [...sheet.rows()];
    if (rows.every((row) => row.every((cell) => cell.trim() === ''))) continue; // an empty sheet discloses nothing
    const { findings: sheetFindings } = await checkTableRows([rows], policy, null);
    if (sheet.formulaCount > 0) {
      const listed = sheet.formulas.join(', ') + (sheet.formulaCount > sheet.formulas.length ? ', …' : '');
      sheetFindings.push(
        review(
          `${sheet.formulaCount} cell${sheet.formulaCount === 1 ? ' holds a formula' : 's hold formulas'} (${listed}); formulas can link outside the workbook or refer to hidden cells, so a checker confirms them.`,
        ),
      );
    }
    findings.push(...sheetFindings.map((f) => ({ ...f, message: `${where}: ${f.message}` })));
  }
  return findings;
};

const review = (message: string): Finding => ({ rule: 'file-type', verdict: 'review', cells: [], message });
