import type { CellRef, Finding, RuleName, Verdict } from './disclosure.types';

/** "1 cell has" / "3 cells have": messages count cells, they never quote them. */
export const cellsHave = (n: number): string => `${n} cell${n === 1 ? ' has' : 's have'}`;

export const cellCount = (n: number): string => `${n} cell${n === 1 ? '' : 's'}`;

/** One finding for the rule, or none when no cell is affected. */
export const findingFor = (rule: RuleName, verdict: Verdict, cells: CellRef[], message: string): Finding[] =>
  cells.length === 0 ? [] : [{ rule, verdict, cells, message }];
