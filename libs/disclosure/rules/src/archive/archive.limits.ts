import type { DisclosurePolicy } from '../disclosure.policy';
import { ArchiveError } from './archive.error';

export type ArchiveLimits = Pick<DisclosurePolicy, 'archiveMaxEntries' | 'archiveMaxUncompressedBytes' | 'archiveMaxRatio' | 'archiveMaxDepth'>;

// Small members compress absurdly well (a kilobyte of zeros); the ratio only matters past this size.
const RATIO_FREE_BYTES = 1 << 20;

/**
 * What one top-level archive may still expand to, shared by every nested archive inside it, so a
 * bomb cannot hide behind nesting (42.zip) or many small members.
 */
export class ArchiveBudget {
  private uncompressed = 0;
  private entries = 0;

  constructor(readonly limits: ArchiveLimits) {}

  countEntry(): void {
    if (++this.entries > this.limits.archiveMaxEntries) {
      throw new ArchiveError('too-many-entries', `The archive holds more than ${this.limits.archiveMaxEntries} entries (policy archiveMaxEntries).`);
    }
  }

  /** A member states its size up front: refuse it before inflating anything. */
  checkDeclared(size: number): void {
    if (this.uncompressed + size > this.limits.archiveMaxUncompressedBytes) throw this.tooLarge();
  }

  /** Counts produced bytes of one member against the total and that member's compression ratio. */
  produce(bytes: number, memberOut: number, memberIn: number): void {
    this.uncompressed += bytes;
    if (this.uncompressed > this.limits.archiveMaxUncompressedBytes) throw this.tooLarge();
    if (memberOut > RATIO_FREE_BYTES && memberOut > this.limits.archiveMaxRatio * Math.max(1, memberIn)) {
      throw new ArchiveError(
        'ratio',
        `A member expands more than ${this.limits.archiveMaxRatio} times its compressed size (policy archiveMaxRatio): a zip bomb.`,
      );
    }
  }

  checkDepth(depth: number): void {
    if (depth > this.limits.archiveMaxDepth) {
      throw new ArchiveError('too-deep', `Archives are nested more than ${this.limits.archiveMaxDepth} deep (policy archiveMaxDepth).`);
    }
  }

  private tooLarge(): ArchiveError {
    const gib = (this.limits.archiveMaxUncompressedBytes / 2 ** 30).toFixed(1).replace(/\.0$/, '');
    return new ArchiveError('too-large', `The archive expands to more than ${gib} GiB (policy archiveMaxUncompressedBytes).`);
  }
}
