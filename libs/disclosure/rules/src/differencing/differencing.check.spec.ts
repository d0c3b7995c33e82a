import { DEFAULT_POLICY } from '../disclosure.policy';
import { chunked, textSource, utf8 } from '../testing/byte-source.fixture';
import { buildWorkbook } from '../testing/workbook.builder';
import { buildZip } from '../testing/zip.builder';
import { checkDifferencing } from './differencing.check';
import { formatInterval, parseInterval } from './interval.label';
import { Potentials } from './potentials';
import { readTableSnapshot, readTableSnapshots } from './snapshot.reader';
import { describePart, tableKeys, type ComparedTable, type TableOrigin, type TableSnapshot } from './table-snapshot';

const policy = { threshold: 10 };

/** A table from CSV-like rows: first row the column labels, first column the row labels; '' and '*' are suppressed. */
const table = (...rows: string[]): TableSnapshot => {
  const [header, ...body] = rows.map((r) => r.split(','));
  return {
    columnLabels: header.slice(1),
    rowLabels: body.map((r) => r[0]),
    cells: body.map((r) => r.slice(1).map((v) => (v === '' || v === '*' ? null : Number(v)))),
  };
};
const released: TableOrigin = { relation: 'released', fileName: 'ages-march.csv', requestId: 'req-1', releasedAt: '2026-03-02T10:00:00Z' };
const against = (t: TableSnapshot, origin: TableOrigin = released): ComparedTable => ({ origin, table: t });

describe('interval labels', () => {
  it.each([
    ['0-17', 'number', 0, 18],
    ['18 to 64', 'number', 18, 65],
    ['65+', 'number', 65, Infinity],
    ['<5', 'number', -Infinity, 5],
    ['85 and over', 'number', 85, Infinity],
    ['16–17', 'number', 16, 18],
    ['17', 'number', 17, 18],
    ['2019-Q1', 'month', 2019 * 12, 2019 * 12 + 3],
    ['2019 Q4', 'month', 2019 * 12 + 9, 2020 * 12],
    ['2019-03', 'month', 2019 * 12 + 2, 2019 * 12 + 3],
  ])('reads %s', (label, axis, lo, hi) => {
    expect(parseInterval(label)).toEqual({ axis, lo, hi });
  });

  it('reads no interval from labels that name none', () => {
    for (const label of ['North', '17-5', 'Total', '', 'age 0-17 years old', '3.5-4']) expect(parseInterval(label)).toBeNull();
  });

  it('writes intervals as a checker would', () => {
    expect(
      [
        { lo: 16, hi: 18 },
        { lo: 65, hi: Infinity },
        { lo: -Infinity, hi: 0 },
        { lo: 4, hi: 5 },
      ].map((i) => formatInterval({ axis: 'number', ...i })),
    ).toEqual(['16-17', '65+', '<0', '4']);
    expect(formatInterval({ axis: 'month', lo: 2019 * 12, hi: 2019 * 12 + 3 })).toBe('2019-Q1');
    expect(formatInterval({ axis: 'month', lo: 2019 * 12, hi: 2019 * 12 + 2 })).toBe('2019-01 to 2019-02');
  });
});

describe('Potentials (cumulative counts known from band sums)', () => {
  it('knows a difference only along facts, and notices contradictions', () => {
    const p = new Potentials();
    p.add(0, 18, 40);
    p.add(0, 16, 35);
    p.add(50, 60, 3);
    expect(p.difference(16, 18)).toBe(5);
    expect(p.difference(18, 50)).toBeNull();
    expect(p.consistent).toBe(true);
    p.add(16, 18, 6);
    expect(p.consistent).toBe(false);
  });
});

describe('differencing: overlapping bands', () => {
  // The issue's example (and the SDC handbook's, Hundepool et al. 2012, section 5.5 "disclosure by
  // differencing"): 0-17 / 18-64 / 65+ released, then 0-15 / 16-64 / 65+ of the same population.
  const march = table('age,patients', '0-17,120', '18-64,830', '65+,250');
  const april = (young: number) => table('age,patients', `0-15,${young}`, `16-64,${950 - young}`, '65+,250');

  it('fails the 16-17 band that the two tables give exactly, naming the cells and the released file', () => {
    const findings = checkDifferencing(april(117), [against(march)], policy);
    expect(findings).toEqual([
      {
        rule: 'differencing',
        verdict: 'fail',
        cells: [
          { row: 0, column: 0, rowLabel: '0-15', columnLabel: 'patients' },
          { row: 1, column: 0, rowLabel: '16-64', columnLabel: 'patients' },
        ],
        message:
          'Overlapping bands: this table and "ages-march.csv" of request req-1, released 2026-03-02 together give the count of 16-17 (patients) exactly, and it is below the threshold of 10.',
        against: released,
      },
    ]);
    // The hidden value (3) appears nowhere in the finding.
    expect(JSON.stringify(findings)).not.toMatch(/\b3\b/);
  });

  it('does not flag a difference of 0, nor one at or above the threshold', () => {
    expect(checkDifferencing(april(120), [against(march)], policy)).toEqual([]);
    expect(checkDifferencing(april(110), [against(march)], policy)).toEqual([]);
    expect(checkDifferencing(april(111), [against(march)], policy)).toHaveLength(1);
  });

  it('cuts into the finest common intervals: <5 against 0-4, and band 65+ against 65-69 / 70+', () => {
    const a = table('age,n', '<5,30', '5-64,900', '65+,200');
    const b = table('age,n', '0-4,28', '5-64,900', '65-69,196', '70+,4');
    const [finding] = checkDifferencing(b, [against(a)], policy);
    // <0 holds 2 (30 - 28); 70+ is published by b itself and left to the threshold rule.
    expect(finding.message).toContain('<0 (n)');
    expect(finding.cells.map((c) => c.rowLabel)).toEqual(['0-4']);
  });

  it('does not report overlaps the tables cannot resolve (5-17 / 18-69 against 0-15 / 16-64)', () => {
    const a = table('age,n', '5-17,100', '18-69,800');
    const b = table('age,n', '0-15,90', '16-64,700');
    expect(checkDifferencing(b, [against(a)], policy)).toEqual([]);
  });

  it('uses a Total row when the bands tile it', () => {
    // a publishes 0-17 only through Total - 18-64 - 65+ (0-17 suppressed).
    const a = table('age,patients', '0-17,*', '18-64,830', '65+,250', 'Total,1200');
    expect(checkDifferencing(april(117), [against(a)], policy)).toHaveLength(1);
  });

  it('reads dates: quarters against months', () => {
    const quarters = table('month,admissions', '2019-Q1,300', '2019-Q2,280');
    const months = table('month,admissions', '2019-01,97', '2019-02,98', '2019-03,98', '2019-04,90', '2019-05,95', '2019-06,95');
    expect(checkDifferencing(months, [against(quarters)], policy)).toEqual([]);
    // Two quarters released, then the first five months: June alone is 280 - (90 + 95 + ...)
    const five = table('month,admissions', '2019-01,100', '2019-02,100', '2019-03,100', '2019-04,90', '2019-05,185');
    const [finding] = checkDifferencing(five, [against(quarters)], policy);
    expect(finding.message).toContain('2019-06 (admissions)');
    expect(finding.cells.map((c) => c.rowLabel)).toEqual(['2019-05']);
  });

  it('checks banded columns as well as rows', () => {
    const a = table('sex,0-17,18-64,65+', 'female,60,400,130', 'male,60,430,120');
    const b = table('sex,0-15,16-64,65+', 'female,56,404,130', 'male,60,430,120');
    const [finding] = checkDifferencing(b, [against(a)], policy);
    expect(finding.cells).toEqual([
      { row: 0, column: 0, rowLabel: 'female', columnLabel: '0-15' },
      { row: 0, column: 1, rowLabel: 'female', columnLabel: '16-64' },
    ]);
    expect(finding.message).toContain('16-17 (female)');
  });

  it('does not compare unrelated tables with the same labels but different measures', () => {
    // Deaths and admissions by the same bands: no column in common.
    const deaths = table('age,deaths', '0-17,12', '18-64,83', '65+,250');
    const admissions = table('age,admissions', '0-15,8', '16-64,700', '65+,900');
    expect(checkDifferencing(admissions, [against(deaths)], policy)).toEqual([]);
    // Both labelled "n", but the shared 65+ band disagrees: another population or measure.
    const a = table('age,n', '0-17,120', '18-64,830', '65+,250');
    const b = table('age,n', '0-15,117', '16-64,700', '65+,900');
    expect(checkDifferencing(b, [against(a)], policy)).toEqual([]);
  });
});

describe('differencing: snapshots and subset tables', () => {
  const regions = (n: number, s: number) => table('region,patients', `North,${n}`, `South,${s}`, 'Total,' + (n + s));

  it('fails a cumulative table released again with fewer than the threshold new cases', () => {
    const [finding] = checkDifferencing(regions(104, 220), [against(regions(100, 220))], policy);
    expect(finding.verdict).toBe('fail');
    expect(finding.message).toMatch(/^Snapshot: .*"ages-march.csv" of request req-1/);
    expect(finding.cells.map((c) => c.rowLabel)).toEqual(['North', 'Total']);
  });

  it('does not flag repeated figures (difference 0) or growth at or above the threshold', () => {
    expect(checkDifferencing(regions(100, 220), [against(regions(100, 220))], policy)).toEqual([]);
    expect(checkDifferencing(regions(110, 230), [against(regions(100, 220))], policy)).toEqual([]);
  });

  it('sends a sub-population that differs by fewer than the threshold to review, naming both files', () => {
    // All patients, then all patients except those of one hospital (Hundepool et al. 2012, 5.5).
    const sub: TableOrigin = { relation: 'request', fileName: 'all-but-st-marys.csv' };
    const [finding] = checkDifferencing(regions(100, 220), [against(regions(96, 220), sub)], policy);
    expect(finding.verdict).toBe('review');
    expect(finding.message).toContain('every cell of "all-but-st-marys.csv" of this request is at most the same cell of this table');
    const [reverse] = checkDifferencing(regions(96, 220), [against(regions(100, 220))], policy);
    expect(reverse.verdict).toBe('review');
  });

  it('does not compare tables whose cells go both ways', () => {
    expect(checkDifferencing(regions(104, 216), [against(regions(100, 220))], policy)).toEqual([]);
  });
});

describe('differencing: linked tables', () => {
  // Hundepool et al. 2012, 4.2 (linked tables): a cell suppressed in a two-way table is
  // recovered from a one-way table of the same population released earlier.
  const twoWay = table('region,female,male', 'North,40,*', 'South,70,66');
  const oneWay = table('region,n', 'North,43', 'South,136');

  it('fails a suppressed cell that another table’s margins make recoverable', () => {
    const [finding] = checkDifferencing(twoWay, [against(oneWay)], policy);
    expect(finding).toMatchObject({ rule: 'differencing', verdict: 'fail', cells: [{ row: 0, column: 1, rowLabel: 'North', columnLabel: 'male' }] });
    expect(finding.message).toContain('1 suppressed cell of this table can be recalculated from "ages-march.csv"');
  });

  it('recovers through the table’s own margins only together with the other table', () => {
    // Two cells suppressed in one row: the row total alone cannot split them, the column totals of the other can.
    const t = table('region,female,male,Total', 'North,*,*,43', 'South,70,66,136');
    const totals = table('sex,n', 'female,73', 'male,69');
    const [finding] = checkDifferencing(t, [against(totals)], policy);
    expect(finding.cells.map((c) => c.columnLabel)).toEqual(['female', 'male']);
  });

  it('does not flag what the table reveals on its own (secondary suppression does) or nothing at all', () => {
    const alone = table('region,female,male,Total', 'North,40,*,43', 'South,70,66,136');
    expect(checkDifferencing(alone, [against(oneWay)], policy)).toEqual([]);
    expect(checkDifferencing(table('region,female,male', 'North,40,*', 'South,70,66'), [against(table('region,n', 'East,5'))], policy)).toEqual([]);
  });

  it('takes an "All" column as the row margins even when a category reads as a count name ("N")', () => {
    // ACRO's test data: grant types G, N, R, R/G by year with R/G suppressed, and year by survivor
    // with margins=True, whose All column is the year totals (found by the ACRO cross-check).
    const grants = table('year,G,N,R,R/G', '2010,15,59,71,*', '2011,15,59,71,*');
    const survivors = table('year,Alive,Dead,All', '2010,103,50,153', '2011,103,50,153', 'All,206,100,306');
    const [finding] = checkDifferencing(grants, [against(survivors)], policy);
    expect(finding.cells.map((c) => `${c.rowLabel}/${c.columnLabel}`)).toEqual(['2010/R/G', '2011/R/G']);
    // Must not be flagged: the margins of another population (the year totals disagree with the published cells).
    const other = table('year,Alive,Dead,All', '2010,10,5,15', '2011,10,5,15');
    expect(checkDifferencing(grants, [against(other)], policy)).toEqual([]);
    // Must not be flagged: only the column total of R/G over two suppressed cells.
    const columnTotals = table('grant,Alive,Dead,All', 'G,20,10,30', 'N,100,18,118', 'R,100,42,142', 'R/G,16,0,16');
    expect(checkDifferencing(grants, [against(columnTotals)], policy)).toEqual([]);
  });

  it('does not link a table of another measure whose shared cells disagree', () => {
    const t = table('region,female,male,Total', 'North,40,*,43', 'South,70,*,130');
    const deaths = table('region,female,male', 'North,4,3', 'South,7,6');
    expect(checkDifferencing(t, [against(deaths)], policy)).toEqual([]);
  });
});

describe('snapshots of files', () => {
  it('reads a CSV count table, and nothing from magnitude tables or other files', async () => {
    const read = (name: string, text: string) => readTableSnapshot(name, textSource(text, 3), DEFAULT_POLICY);
    expect(await read('t.csv', 'age,n\r\n0-17,120\r\n18-64,[c]\r\n')).toEqual({ rowLabels: ['0-17', '18-64'], columnLabels: ['n'], cells: [[120], [null]] });
    expect(await read('income.csv', 'region,mean income\nNorth,31000.5\n')).toBeNull();
    expect(await read('notes.txt', 'nothing to see\n')).toBeNull();
    expect(await read('t.evidence.csv', 'row,column,contributors,total,largest,second_largest\n')).toBeNull();
  });

  describe('workbooks and archives: each sheet and each CSV member is a table', () => {
    const march = [
      ['age', 'patients'],
      ['0-17', 120],
      ['18-64', 830],
      ['65+', 250],
    ];
    const notes = [['These tables count patients seen in March.'], ['Source: the hospital records.']];
    const parts = (name: string, bytes: Uint8Array) => readTableSnapshots(name, chunked(bytes, 7), DEFAULT_POLICY);

    it('reads every sheet of a workbook that is a count table, named by the sheet', async () => {
      const book = buildWorkbook([
        { name: 'Ages', rows: march },
        { name: 'Notes', rows: notes },
        {
          name: 'Income',
          rows: [
            ['region', 'mean income'],
            ['North', '31000.5'],
          ],
        },
        { name: 'Empty', rows: [] },
      ]);
      expect(await parts('tables.xlsx', book)).toEqual([
        { part: 'sheet:Ages', table: { rowLabels: ['0-17', '18-64', '65+'], columnLabels: ['patients'], cells: [[120], [830], [250]] } },
      ]);
    });

    it('reads every CSV or TSV member of a zip archive, named by its path; nothing else in it', async () => {
      const zip = buildZip([
        { name: 'out/ages.csv', data: utf8('age,patients\n0-17,120\n18-64,830\n65+,250\n') },
        { name: 'out/regions.tsv', data: utf8('region\tn\nNorth\t40\nSouth\t[c]\n') },
        { name: 'out/ages.evidence.csv', data: utf8('row,column,contributors,total,largest,second_largest\n') },
        { name: 'out/readme.md', data: utf8('# notes\n') },
        { name: 'out/figure.png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
      ]);
      const found = await parts('outputs.zip', zip);
      expect(found.map((p) => p.part)).toEqual(['member:out/ages.csv', 'member:out/regions.tsv']);
      expect(found[1].table.cells).toEqual([[40], [null]]);
    });

    it('reads no table from a broken archive past its break, and no container as a single table', async () => {
      const zip = buildZip([{ name: 'ages.csv', data: utf8('age,patients\n0-17,120\n') }]);
      expect(await parts('cut.zip', zip.slice(0, zip.length - 10))).toEqual([{ part: 'member:ages.csv', table: expect.anything() }]);
      expect(await readTableSnapshot('tables.xlsx', chunked(buildWorkbook([{ name: 'Ages', rows: march }])), DEFAULT_POLICY)).toBeNull();
    });

    it('names the part in findings: the new April sheet against the March member of a released archive', () => {
      const april = table('age,patients', '0-15,117', '16-64,833', '65+,250');
      const marchTable = table('age,patients', '0-17,120', '18-64,830', '65+,250');
      const [finding] = checkDifferencing(april, [against(marchTable, { ...released, fileName: 'outputs.zip', part: 'member:out/ages.csv' })], policy);
      expect(finding.message).toContain('"outputs.zip" (member "out/ages.csv") of request req-1, released 2026-03-02');
      expect(describePart('sheet:Ages')).toBe('sheet "Ages"');
    });
  });

  it('keys tables so candidates share a key', () => {
    const a = tableKeys(table('age,patients', '0-17,1', '18-64,2', '65+,3'));
    const b = tableKeys(table('Age,Patients', '0-15,1', '16-64,2', '65+,3'));
    expect(a.columnKey).toBe(b.columnKey);
    expect(a.rowKey).not.toBe(b.rowKey);
    expect([a.rowAxis, a.columnAxis]).toEqual(['number', null]);
    expect(tableKeys(table('region,count', 'North,1')).columnKey).toBe(tableKeys(table('region,N', 'North,1')).columnKey);
    // A Total row or column does not change the keys; a one-way table of column totals has this table's columns as rows.
    const twoWay = tableKeys(table('region,female,male,Total', 'North,1,*,3', 'Total,4,5,9'));
    expect(twoWay.rowKey).toBe(tableKeys(table('region,n', 'North,3')).rowKey);
    expect(twoWay.columnsAsRowsKey).toBe(tableKeys(table('sex,n', 'male,5', 'female,4')).rowKey);
    expect([twoWay.suppressed, a.suppressed]).toEqual([true, false]);
  });
});
