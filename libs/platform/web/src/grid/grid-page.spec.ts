import { gridPageOf } from './grid-page';
import { gridPayload } from './grid-payload';

describe('gridPageOf (what a file page renders without its script)', () => {
  const rows = [
    ['ward', 'y2024'],
    ['A', '3'],
    ['B', '50'],
    ['C', '41'],
  ];
  const grid = gridPayload(rows, [{ rule: 'threshold', verdict: 'fail', message: '1 cell under 10', cells: [{ row: 0, column: 0 }] }], { threshold: 10 });

  it('puts each finding on its cell in the preview and lists the cells it flags', () => {
    const page = gridPageOf(grid);
    expect(page.labels).toEqual(['ward', 'y2024']);
    expect(page.findings).toEqual([expect.objectContaining({ rule: 'threshold', parameters: { threshold: '10' }, cells: [[1, 1, [0]]] })]);
    expect(page.preview[1].cells).toEqual([
      { value: 'A', findings: [] },
      { value: '3', findings: [0] },
    ]);
    expect(page.preview[2].cells.every((c) => c.findings.length === 0)).toBe(true);
    expect(page.previewCut).toBe(false);
  });

  it('cuts the preview to the rows asked for and says so', () => {
    const page = gridPageOf(grid, 2);
    expect(page.preview).toHaveLength(2);
    expect(page.rowCount).toBe(4);
    expect(page.previewCut).toBe(true);
  });
});
