import type { Readable } from 'node:stream';
import { detectFileType, detectTextEncoding, peekHead, type DetectedType } from '@airlock/disclosure-rules';
import type { RequestFile } from '@airlock/domain';
import { contentViewOf, MAX_TEXT_BYTES, type ContentView } from './content-view';
import { gridPayload, type GridPayload } from './grid-payload';
import { readTableGrid } from './table-grid';

// The disclosure checks read the same first bytes to decide a file's type (libs/disclosure/rules/src/content.checker.ts).
const HEAD_BYTES = 8192;

export type OpenedContent =
  | { view: Extract<ContentView, { kind: 'table' }>; type: DetectedType; grid: GridPayload }
  | { view: Extract<ContentView, { kind: 'text' }>; type: DetectedType; text: string; truncated: boolean; json: boolean }
  | { view: Extract<ContentView, { kind: 'image' | 'download' }>; type: DetectedType };

/**
 * Reads a frozen file for the viewer, choosing how to show it from its bytes (never its name):
 * a table becomes the grid with the automated findings on its cells; text is decoded (cut at
 * MAX_TEXT_BYTES) and shown escaped; JSON is pretty-printed. Images and downloads are served
 * from the sandboxed content route instead, so their bytes are not read here.
 */
export async function openContent(bytes: Readable, file: Pick<RequestFile, 'name' | 'check'>): Promise<OpenedContent> {
  const stream = await peekHead(bytes, HEAD_BYTES);
  try {
    const type = detectFileType(stream.head, file.name);
    const view = contentViewOf(type);
    if (view.kind === 'table') {
      const table = await readTableGrid(stream.head, stream.body, view.table);
      const grid = gridPayload(table.rows, file.check?.findings ?? [], file.check?.policy ?? {}, {
        truncated: table.kind === 'grid' && table.truncated,
        ...(table.kind === 'unreadable' ? { unreadable: table.reason } : {}),
      });
      return { view, type, grid };
    }
    if (view.kind === 'text') {
      const chunks: Uint8Array[] = [];
      let size = 0;
      let truncated = false;
      for await (const chunk of stream.body) {
        const room = MAX_TEXT_BYTES - size;
        chunks.push(chunk.subarray(0, room));
        size += Math.min(chunk.length, room);
        if (chunk.length > room) {
          truncated = true;
          break;
        }
      }
      const encoding = detectTextEncoding(stream.head)?.encoding ?? 'utf-8';
      const text = new TextDecoder(encoding, { fatal: false, ignoreBOM: false }).decode(Buffer.concat(chunks));
      const pretty = truncated ? undefined : prettyJson(text);
      return { view, type, text: pretty ?? text, truncated, json: pretty !== undefined };
    }
    return { view, type };
  } finally {
    await stream.close().catch(() => undefined);
    bytes.destroy();
  }
}

function prettyJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return undefined;
  }
}
