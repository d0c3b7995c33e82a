import type { CheckFinding } from '@airlock/domain';
import { diffGrids } from './cell-diff';
import { columnStats, gridPayload } from './grid-payload';
import { contentViewOf, sandboxedContentHeaders } from './content-view';

const policy = { threshold: 10, zerosAreDisclosive: true, p: 0.1, rounding: 'none' };

describe('findings overlay', () => {
  it('puts a body cell finding on the grid cell under its labels, past blank rows and a pandas index row', () => {
    const rows = [
      ['', '', ''],
      ['year', 'men', 'women'],
      ['year', '', ''],
      ['2020', '12', '3'],
      ['2021', '40', '0'],
    ];
    const findings: CheckFinding[] = [
      {
        rule: 'threshold',
        verdict: 'fail',
        message: '2 cells have fewer than 10 contributors',
        cells: [
          { row: 0, column: 1, rowLabel: '2020', columnLabel: 'women' },
          { row: 1, column: 1 },
        ],
      },
      { rule: 'rounding', verdict: 'fail', message: '1 cell is not rounded', cells: [{ row: 0, column: 1 }] },
    ];
    const payload = gridPayload(rows, findings, policy);
    expect(payload.header).toBe(1);
    expect(payload.marks).toStrictEqual([
      [3, 2, [0, 1]],
      [4, 2, [0]],
    ]);
    expect(payload.findings[0]).toStrictEqual({
      index: 0,
      rule: 'threshold',
      verdict: 'fail',
      message: '2 cells have fewer than 10 contributors',
      parameters: { threshold: '10', zerosAreDisclosive: 'true' },
      cellCount: 2,
      located: 2,
    });
    expect(payload.findings[1].parameters).toStrictEqual({ rounding: 'none' });
  });

  it('lists a finding whose cells lie outside the grid without marking anything', () => {
    const payload = gridPayload(
      [
        ['a', 'b'],
        ['x', '1'],
      ],
      [{ rule: 'threshold', verdict: 'fail', message: 'sheet "S": 1 cell', cells: [{ row: 5, column: 0 }], cellCount: 300 }],
      policy,
    );
    expect(payload.marks).toStrictEqual([]);
    expect(payload.findings[0]).toMatchObject({ located: 0, cellCount: 300 });
  });
});

describe('column statistics', () => {
  it('counts numbers, sums them, finds the smallest non-zero and the multiples of 5 and 10', () => {
    const rows = [
      ['g', 'n'],
      ['a', '10'],
      ['b', '0'],
      ['c', '7'],
      ['d', '[c]'],
      ['e', ' 15 '],
      ['f', '2.5'],
    ];
    expect(columnStats(rows, [1, 2, 3, 4, 5, 6], 2)[1]).toStrictEqual({ column: 1, count: 5, sum: 34.5, minNonZero: 2.5, divisibleBy5: 3, divisibleBy10: 2 });
  });
});

describe('cell diff between turns', () => {
  it('matches cells by labels, so an inserted row marks only its own cells', () => {
    const before = [
      ['year', 'men', 'women'],
      ['2020', '12', '3'],
      ['2021', '40', '11'],
    ];
    const after = [
      ['year', 'men', 'women'],
      ['2019', '20', '20'],
      ['2020', '12', '[c]'],
      ['2021', '40', '11'],
    ];
    const diff = diffGrids(before, after);
    expect(diff.matchedBy).toBe('labels');
    expect(diff.changes).toStrictEqual([
      { kind: 'added', row: 1, column: 0, after: '2019' },
      { kind: 'added', row: 1, column: 1, after: '20' },
      { kind: 'added', row: 1, column: 2, after: '20' },
      { kind: 'changed', row: 2, column: 2, before: '3', after: '[c]' },
    ]);
  });

  it('compares by position when labels repeat, and reports removed cells', () => {
    const diff = diffGrids(
      [
        ['a', 'b'],
        ['x', '1'],
        ['x', '2'],
      ],
      [
        ['a', 'b'],
        ['x', '1'],
      ],
    );
    expect(diff).toStrictEqual({
      matchedBy: 'position',
      changes: [
        { kind: 'removed', row: 2, column: 0, before: 'x' },
        { kind: 'removed', row: 2, column: 1, before: '2' },
      ],
      truncated: false,
      total: 2,
    });
  });
});

describe('content view', () => {
  it.each([
    [
      { kind: 'csv', mediaType: 'text/csv' },
      { kind: 'table', table: 'csv' },
    ],
    [
      { kind: 'image', mediaType: 'image/png' },
      { kind: 'image', mediaType: 'image/png' },
    ],
    [
      { kind: 'xlsx', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      { kind: 'table', table: 'xlsx' },
    ],
    [{ kind: 'image', mediaType: 'image/svg+xml' }, { kind: 'text' }],
    [{ kind: 'text', mediaType: 'text/plain' }, { kind: 'text' }],
  ] as const)('shows %o as %o', (type, view) => {
    expect(contentViewOf(type)).toStrictEqual(view);
  });

  it('offers archives, PDFs and binaries only as a sandboxed download', () => {
    const view = contentViewOf({ kind: 'pdf', mediaType: 'application/pdf' });
    expect(view.kind).toBe('download');
    const headers = sandboxedContentHeaders(view, '<script>.pdf');
    expect(headers['Content-Disposition']).toMatch(/^attachment;/);
    expect(headers['Content-Disposition']).not.toContain('<');
    expect(headers['Content-Security-Policy']).toMatch(/^sandbox;/);
    expect(headers['Content-Type']).toBe('application/octet-stream');
  });
});
