import type { DetectedType } from '@airlock/disclosure-rules';

/**
 * How the workbench shows a file, chosen from its content (detectFileType), never from its name:
 * tables (CSV, TSV and each sheet of an xlsx workbook, as text) in the grid; raster images in a sandboxed frame; text, JSON and code as escaped text;
 * everything else, and all active content (HTML, SVG, PDF, archives), only as a download. HTML
 * and SVG are text to the detector or an image with media type image/svg+xml, so they are shown
 * as their source text and never rendered.
 */
export type ContentView =
  { kind: 'table'; table: 'csv' | 'tsv' | 'xlsx' } | { kind: 'image'; mediaType: string } | { kind: 'text' } | { kind: 'download'; why: string };

// Raster formats a browser decodes without running anything; SVG is a document that can carry script.
const RASTER = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function contentViewOf(type: DetectedType): ContentView {
  if (type.kind === 'csv' || type.kind === 'tsv' || type.kind === 'xlsx') return { kind: 'table', table: type.kind };
  if (type.kind === 'image' && RASTER.has(type.mediaType)) return { kind: 'image', mediaType: type.mediaType };
  if (type.kind === 'image') return { kind: 'text' };
  if (type.kind === 'text' || type.kind === 'empty') return { kind: 'text' };
  return { kind: 'download', why: `A ${type.kind} file is not shown in the browser.` };
}

/** Most text shown on a page; the rest is cut with a note. */
export const MAX_TEXT_BYTES = 1 << 20;

/**
 * Headers for raw file bytes shown in the page's frame. `sandbox` without allow-scripts and
 * allow-same-origin gives the response a unique opaque origin: even if a browser ran something
 * in it, it could not read the app's cookies or call the app. `attachment` for anything but a
 * raster image means a direct visit downloads instead of rendering.
 */
export function sandboxedContentHeaders(view: ContentView, fileName: string): Record<string, string> {
  const inline = view.kind === 'image';
  return {
    'Content-Type': inline ? view.mediaType : 'application/octet-stream',
    'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="file"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
  };
}
