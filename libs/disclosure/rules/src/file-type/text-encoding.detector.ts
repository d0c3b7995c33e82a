export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export type TextEncodingGuess = { encoding: TextEncodingName; bomLength: number };

/**
 * The encoding of a text file from its first bytes: a BOM decides; otherwise UTF-8 if the head is
 * valid UTF-8, else Windows-1252 (what Excel on Windows writes as "CSV"). Returns null for content
 * that is not text at all (NUL bytes or control characters).
 */
export const detectTextEncoding = (head: Uint8Array): TextEncodingGuess | null => {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  if (head.some(isBinaryControlByte)) return null;
  return { encoding: isValidUtf8Prefix(head) ? 'utf-8' : 'windows-1252', bomLength: 0 };
};

// Tab, LF, FF and CR occur in text; other C0 controls (NUL above all) mean binary content.
export const isBinaryControlCode = (code: number): boolean => code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;

const isBinaryControlByte = (byte: number): boolean => isBinaryControlCode(byte);

const isValidUtf8Prefix = (head: Uint8Array): boolean => {
  // The head may end inside a multi-byte character: drop up to 3 trailing bytes of an incomplete sequence.
  const end = completeUtf8Length(head);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
};

const completeUtf8Length = (bytes: Uint8Array): number => {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
};
