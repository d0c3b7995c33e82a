/** What the command line asks for. */
export type CliCommand =
  { kind: 'help' } | { kind: 'check'; paths: string[]; policyPath: string | null; json: boolean; acroResultsDir: string | null; against: string[] };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: airlock-check <files or folders...> [--policy policy.json] [--json] [--against <folder>...]

Checks research outputs for statistical disclosure before they leave the TRE: tables (CSV, TSV,
the sheets of XLSX workbooks), zip archives member by member, ACRO results folders, model
summaries. Folders are walked. A table X.csv is judged with X.evidence.csv beside it
(row,column,contributors,total,largest,second_largest) as a magnitude table.

Options:
  --policy <file>           a JSON policy over the defaults, e.g. {"threshold": 10, "p": 0.1}
  --against <folder>        earlier released outputs (files or folders; may be repeated): each
                            count table is also checked for differencing against them and
                            against the other tables checked (overlapping bands, snapshots,
                            subsets, linked tables)
  --json                    one JSON object per line and file: {"file","verdict","findings"};
                            a differencing finding also has "against", the other file's path
  --acro-results <folder>   also write an ACRO results.json, the files and their checksums
                            there, for SACRO-Viewer
  -h, --help                this help

Exit codes: 0 every file passes, 1 any file fails, 2 none fails but some need review,
3 usage error. Findings name cells by position and labels, never by value.`;

/** Parses the arguments; throws UsageError with a message fit for the user. */
export const parseArgs = (argv: readonly string[]): CliCommand => {
  const paths: string[] = [];
  let policyPath: string | null = null;
  let acroResultsDir: string | null = null;
  let json = false;
  const against: string[] = [];
  let options = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!options || !arg.startsWith('-') || arg === '-') {
      paths.push(arg);
      continue;
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, null];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value.`);
      return next;
    };
    switch (flag) {
      case '--':
        options = false;
        break;
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '--json':
        if (inline !== null) throw new UsageError('--json takes no value.');
        json = true;
        break;
      case '--policy':
        if (policyPath !== null) throw new UsageError('--policy is given twice.');
        policyPath = value();
        break;
      case '--acro-results':
        acroResultsDir = value();
        break;
      case '--against':
        against.push(value());
        break;
      default:
        throw new UsageError(`Unknown option ${flag}.`);
    }
  }
  if (paths.length === 0) throw new UsageError('Name at least one file or folder to check.');
  return { kind: 'check', paths, policyPath, json, acroResultsDir, against };
};
