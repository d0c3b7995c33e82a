// Test kits of the rules lib that other projects' tests use (`@airlock/disclosure-rules/testing`):
// workbooks and zips built in memory.
export { buildWorkbook, type SheetCell, type SheetSpec } from './workbook.builder';
export { buildZip } from './zip.builder';
