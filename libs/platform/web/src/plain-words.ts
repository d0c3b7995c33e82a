// Statuses, scan results and verdicts in words a person reads at a glance (issue 10: "opaque
// statuses made plain"), with the GOV.UK tag colour each one is shown in. Shared by every service's pages.

export type PlainStatus = { text: string; hint: string; colour: string };

const STATUS: Record<string, PlainStatus> = {
  draft: { text: 'Draft', hint: 'You can add groups and files, then submit.', colour: 'grey' },
  submitted: { text: 'Submitted', hint: 'The files are being frozen and queued for checks.', colour: 'blue' },
  checking: { text: 'Being checked', hint: 'The files are being scanned for viruses and checked for disclosure risk.', colour: 'blue' },
  awaiting_review: { text: 'Waiting for output checkers', hint: 'Two output checkers will review the files.', colour: 'light-blue' },
  changes_requested: {
    text: 'Changes requested',
    hint: 'The checkers asked for changes: read their comments, change the files and submit again.',
    colour: 'orange',
  },
  approved: { text: 'Approved', hint: 'The files are approved and being released.', colour: 'green' },
  released: { text: 'Released', hint: 'The approved files can be downloaded.', colour: 'green' },
  rejected: { text: 'Rejected', hint: 'The checkers rejected this request.', colour: 'red' },
  withdrawn: { text: 'Withdrawn', hint: 'This request was withdrawn by its author.', colour: 'grey' },
  blocked: { text: 'Blocked', hint: 'A file was blocked (for example a virus was found); nothing will be released.', colour: 'red' },
  failed: { text: 'Failed', hint: 'A step failed; see the reason below.', colour: 'red' },
  revoked: { text: 'Release revoked', hint: 'An administrator withdrew the release.', colour: 'red' },
};

export function statusInPlainWords(status: string): PlainStatus {
  return STATUS[status] ?? { text: status, hint: '', colour: 'grey' };
}

type Scan = { status: string; engine?: string; signature?: string; reason?: string };

export function scanInPlainWords(scan: Scan | undefined): { text: string; colour: string } {
  if (!scan) return { text: 'Not scanned yet', colour: 'grey' };
  if (scan.status === 'clean') return { text: `No virus found (${scan.engine ?? 'scanner'})`, colour: 'green' };
  if (scan.status === 'infected') return { text: `Virus found: ${scan.signature ?? 'unknown'}`, colour: 'red' };
  return { text: `Not scanned: ${scan.reason ?? 'unknown reason'}`, colour: 'orange' };
}

export function verdictInPlainWords(verdict: string | undefined): { text: string; colour: string } {
  if (verdict === 'pass') return { text: 'No disclosure risk found', colour: 'green' };
  if (verdict === 'fail') return { text: 'Disclosure risk found', colour: 'red' };
  if (verdict === 'review') return { text: 'Needs a person to look', colour: 'yellow' };
  return { text: 'Not checked yet', colour: 'grey' };
}

/** 1234567 → "1.2 MB" (decimal units, as file managers show). */
export function bytesInPlainWords(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
