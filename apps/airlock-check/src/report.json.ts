import type { FileResult, Finding, TableOrigin } from '@airlock/disclosure-rules';

/** The other file of a differencing finding, by its path. */
const againstOf = (finding: Finding): { against: string } | Record<string, never> => {
  const origin = (finding as Finding & { against?: TableOrigin }).against;
  return origin ? { against: origin.path ?? origin.fileName } : {};
};

/**
 * One line of --json output: {"file","verdict","findings":[{"rule","cells","message"}]}, each
 * finding also with its own verdict; the file's detected type, its supporting role and what
 * ACRO said about it when known. Cells carry positions and labels, never values. A differencing
 * finding also carries `against`, the path of the other file.
 */
export const jsonLine = (result: FileResult): string =>
  JSON.stringify({
    file: result.name,
    verdict: result.verdict,
    findings: result.findings.map((f) => ({
      rule: f.rule,
      verdict: f.verdict,
      cells: f.cells,
      ...(f.cellCount === undefined ? {} : { cellCount: f.cellCount }),
      message: f.message,
      ...againstOf(f),
    })),
    type: result.fileType.kind,
    ...(result.supporting ? { supporting: result.supporting } : {}),
    ...(result.acro
      ? {
          acro: {
            outputId: result.acro.outputId,
            status: result.acro.status,
            type: result.acro.type,
            comments: result.acro.comments,
            exception: result.acro.exception,
          },
        }
      : {}),
  });
