import type { Readable } from 'node:stream';
import { detectFileType, detectTextEncoding, peekHead, type DetectedType } from '@airlock/disclosure-rules';
import type { RequestFile } from '@airlock/domain';
import { contentViewOf, MAX_TEXT_BYTES, type ContentView } from './content-view';
import { PageError } from '../web';
import { gridPayload, type GridPayload } from './grid-payload';
import { readTableGrid, type TableGrid } from './table-grid';
import { parseSheetParam, readWorkbookGrid, workbookLimits, type WorkbookChoice } from './workbook-grid';

// The disclosure checks read the same first bytes to decide a file's type (libs/disclosure/rules/src/content.checker.ts).
const HEAD_BYTES = 8192;

export type OpenedContent =
  | { view: Extract<ContentView, { kind: 'table' }>; type: DetectedType; grid: GridPayload }
  | { view: Extract<ContentView, { kind: 'text' }>; type: DetectedType; text: string; truncated: boolean; json: boolean }
  | { view: Extract<ContentView, { kind: 'image' | 'download' }>; type: DetectedType };

/**
 * Reads a frozen file for the viewer, choosing how to show it from its bytes (never its name):
 * a table becomes the grid with the automated findings on its cells; text is decoded (cut at
 * MAX_TEXT_BYTES) and shown escaped; JSON is pretty-printed. A workbook shows one sheet (`sheet`, the
 * raw query value: the first when absent; a malformed value is a 400, one past the last sheet a
 * 404) with that sheet's findings; a sheet number on a file that is not a workbook is a 404. Images and downloads are served
 * from the sandboxed content route instead, so their bytes are not read here.
 */
export async function openContent(bytes: Readable, file: Pick<RequestFile, 'name' | 'check'>, options: { sheet?: unknown } = {}): Promise<OpenedContent> {
  let sheet: number;
  try {
    sheet = parseSheetParam(options.sheet);
  } catch (error) {
    bytes.destroy();
    throw error;
  }
  const stream = await peekHead(bytes, HEAD_BYTES);
  try {
    const type = detectFileType(stream.head, file.name);
    const view = contentViewOf(type);
    if (options.sheet !== undefined && (view.kind !== 'table' || view.table !== 'xlsx')) throw new PageError(404, 'This file has no sheets.');
    if (view.kind === 'table') {
      let table: TableGrid;
      let findings = file.check?.findings ?? [];
      let workbook: WorkbookChoice | null = null;
      if (view.table === 'xlsx') ({ table, findings, workbook } = await readWorkbookGrid(stream.body, findings, sheet, workbookLimits(file.check?.policy)));
      else table = await readTableGrid(stream.head, stream.body, view.table);
      const grid = gridPayload(table.rows, findings, file.check?.policy ?? {}, {
        truncated: table.kind === 'grid' && table.truncated,
        ...(table.kind === 'unreadable' ? { unreadable: table.reason } : {}),
        ...(workbook ? { workbook } : {}),
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
