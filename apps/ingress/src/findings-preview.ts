import type { Readable } from 'node:stream';
import { DEFAULT_POLICY, checkFiles, type DisclosurePolicy } from '@airlock/disclosure-rules';
import type { ExistingRequest, RequestFile } from '@airlock/domain';
import type { RegistryHandler } from '@airlock/application';
import type { ObjectStore } from '@airlock/storage';

/** What the researcher's file page lays on the cells: the recorded check, or a preview of it on a draft. */
export type ShownCheck = { check: NonNullable<RequestFile['check']>; preview: boolean };

/** Most draft bytes (of one group) a page checks while the researcher waits; past it the checks run only after submission. */
export const PREVIEW_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The automated findings a researcher sees on a file before the checkers do (issue 10: "before
 * submitting, the same automated findings overlay on each file"). Once submitted, the file's
 * recorded check is shown, exactly what the checkers see. On a draft the same rules
 * (libs/disclosure/rules) run over the draft bytes of the file's group (a group is one folder, so
 * an evidence file still pairs with its table) with the project's thresholds over the airlock's
 * defaults, as the disclosure-check service will after submission. Differencing against earlier
 * releases needs the released tables' ledger and runs only after submission. Nothing is recorded:
 * the preview is advice, and the check of the frozen bytes is the one that counts.
 */
export class FindingsPreview {
  constructor(
    private readonly store: ObjectStore,
    private readonly registry: RegistryHandler,
    private readonly minCellCount: number,
    private readonly maxBytes = PREVIEW_MAX_BYTES,
  ) {}

  /** The bytes of the file as they are now: frozen once submitted, the draft copy before. */
  bytesOf(file: RequestFile): Promise<Readable> | undefined {
    if (file.quarantineKey) return this.store.getStream('quarantine', file.quarantineKey);
    if (file.draftKey) return this.store.getStream('draft', file.draftKey);
    return undefined;
  }

  /** The check to show; undefined before any check, or `tooLarge` when a draft's group is too large to preview. */
  async checkOf(state: ExistingRequest, file: RequestFile): Promise<ShownCheck | { tooLarge: true } | undefined> {
    if (file.check) return { check: file.check, preview: false };
    if (!file.draftKey || file.quarantineKey) return undefined;
    const group = state.files.filter((f) => f.group === file.group && f.draftKey);
    if (group.reduce((total, f) => total + f.size, 0) > this.maxBytes) return { tooLarge: true };
    const policy = await this.policyOf(state.projectId);
    const results = await checkFiles(
      group.map((f) => ({
        name: `${f.group}/${f.name}`,
        kind: f.kind,
        open: () => this.chunks(f.draftKey as string),
      })),
      policy,
    );
    const result = results[group.findIndex((f) => f.fileId === file.fileId)];
    if (!result) return undefined;
    return {
      preview: true,
      check: {
        verdict: result.verdict,
        fileType: result.fileType.kind,
        findings: result.findings,
        rulesVersion: result.rulesVersion,
        policy: { ...result.policy },
      },
    };
  }

  private async policyOf(projectId: string): Promise<DisclosurePolicy> {
    const { disclosure } = await this.registry.policyFor(projectId);
    const { minCellCount, dataDomain: _domain, ...rest } = disclosure;
    const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    return { ...DEFAULT_POLICY, threshold: this.minCellCount, ...defined, ...(minCellCount !== undefined ? { threshold: minCellCount } : {}) };
  }

  private async *chunks(key: string): AsyncIterable<Uint8Array> {
    const stream = await this.store.getStream('draft', key);
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } finally {
      stream.destroy();
    }
  }
}
