import type { CellRef, Finding, RuleName, Verdict } from './disclosure.types';

/** "1 cell has" / "3 cells have": messages count cells, they never quote them. */
export const cellsHave = (n: number): string => `${n} cell${n === 1 ? ' has' : 's have'}`;

export const cellCount = (n: number): string => `${n} cell${n === 1 ? '' : 's'}`;

/**
 * One finding for the rule, or none when no cell is affected. `count` is how many cells are
 * affected when `cells` lists only the first of them (see MAX_LISTED_CELLS).
 */
export const findingFor = (rule: RuleName, verdict: Verdict, cells: readonly CellRef[], message: string, count = cells.length): Finding[] =>
  count === 0 ? [] : [{ rule, verdict, cells: [...cells], ...(count > cells.length ? { cellCount: count } : {}), message }];
