import type { FileInput, FileKind } from '../disclosure.types';
import { chunked, utf8 } from './byte-source.fixture';

/** A set of files for checkFiles, from text or bytes, each readable once (as real sources are). */
export const fileSet = (files: Record<string, string | Uint8Array>, kinds: Record<string, FileKind> = {}): FileInput[] =>
  Object.entries(files).map(([name, content]) => {
    let opened = false;
    return {
      name,
      ...(kinds[name] ? { kind: kinds[name] } : {}),
      open: () => {
        if (opened) throw new Error(`${name} opened twice`);
        opened = true;
        return chunked(typeof content === 'string' ? utf8(content) : content, 7);
      },
    };
  });
