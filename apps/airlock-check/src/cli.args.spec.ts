import { parseArgs, UsageError } from './cli.args';

describe('airlock-check arguments', () => {
  it('takes paths and options in any order', () => {
    expect(parseArgs(['a.csv', '--json', 'out/', '--policy', 'p.json'])).toEqual({
      kind: 'check',
      paths: ['a.csv', 'out/'],
      policyPath: 'p.json',
      json: true,
      acroResultsDir: null,
      against: [],
    });
    expect(parseArgs(['a.csv', '--against', 'released/2024', '--against=released/2025'])).toMatchObject({ against: ['released/2024', 'released/2025'] });
    expect(parseArgs(['--policy=p.json', '--acro-results=sacro', 'a.csv'])).toMatchObject({ policyPath: 'p.json', acroResultsDir: 'sacro' });
  });

  it('reads everything after -- as paths', () => {
    expect(parseArgs(['--', '--json', '-x.csv'])).toMatchObject({ paths: ['--json', '-x.csv'], json: false });
  });

  it('answers --help before anything else', () => {
    expect(parseArgs(['--help', '--nonsense'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--jsn', 'a.csv'], 'Unknown option --jsn.'],
    [['a.csv', '--policy'], '--policy needs a value.'],
    [['a.csv', '--against'], '--against needs a value.'],
    [['a.csv', '--policy='], '--policy needs a value.'],
    [['--policy', 'a', '--policy', 'b', 'x'], '--policy is given twice.'],
    [['--json=yes', 'a.csv'], '--json takes no value.'],
    [['--json'], 'Name at least one file or folder to check.'],
    [[], 'Name at least one file or folder to check.'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message));
  });
});
