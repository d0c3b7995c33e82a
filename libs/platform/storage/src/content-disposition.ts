/**
 * `attachment` Content-Disposition for a download name (RFC 6266 / RFC 5987): an ASCII
 * fallback for old clients plus the exact UTF-8 name. Path parts, quotes and control
 * characters are dropped so the name cannot steer where the browser saves the file or
 * break out of the header.
 */
export function attachmentDisposition(downloadName: string): string {
  const baseName = downloadName.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = baseName.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'download';
  const asciiFallback = cleaned.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(cleaned).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiFallback}"; filename*=UTF-8''${encoded}`;
}
