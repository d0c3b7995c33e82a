export type XmlEvent =
  { kind: 'open'; name: string; attributes: Record<string, string>; selfClosing: boolean } | { kind: 'close'; name: string } | { kind: 'text'; text: string };

/** The bytes of a workbook part are not XML we can read; messages name no content. */
export class XmlReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlReadError';
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const MAX_TOKEN_CHARS = 4 << 20;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Element and attribute names without their namespace prefix (x:c and c are the same cell). */
const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

export const decodeEntities = (text: string): string =>
  text.indexOf('&') < 0
    ? text
    : text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, body: string) => {
        if (body[0] === '#') {
          const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
          return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
        }
        return ENTITIES[body] ?? whole;
      });

/**
 * A small streaming XML tokenizer for the parts of an OOXML workbook: elements, attributes and
 * text, with the five predefined entities and character references. No DTDs (they are refused,
 * so no entity expansion bombs), no validation. Text and tags are bounded in size.
 */
export class XmlTokenizer {
  private pending = '';
  private depth = 0;
  private rootSeen = false;

  push(text: string): XmlEvent[] {
    const events: XmlEvent[] = [];
    const buffer = this.pending + text;
    let at = 0;
    while (at < buffer.length) {
      const lt = buffer.indexOf('<', at);
      if (lt < 0) break;
      if (lt > at) this.text(buffer.slice(at, lt), events);
      at = lt;
      const end = this.tokenEnd(buffer, lt);
      if (end < 0) break;
      this.token(buffer.slice(lt, end + 1), events);
      at = end + 1;
    }
    const lt = buffer.indexOf('<', at);
    if (lt < 0 && at < buffer.length) {
      // Text with no tag after it yet: emit what cannot be part of an entity.
      const amp = buffer.lastIndexOf('&');
      const keepFrom = amp >= at && buffer.indexOf(';', amp) < 0 ? amp : buffer.length;
      if (keepFrom > at) this.text(buffer.slice(at, keepFrom), events);
      at = keepFrom;
    }
    this.pending = buffer.slice(at);
    if (this.pending.length > MAX_TOKEN_CHARS) throw new XmlReadError(`An XML tag or text is longer than ${MAX_TOKEN_CHARS} characters.`);
    return events;
  }

  end(): XmlEvent[] {
    if (this.pending.trim() !== '') throw new XmlReadError('The XML ends inside a tag.');
    if (!this.rootSeen) throw new XmlReadError('The part holds no XML element.');
    if (this.depth !== 0) throw new XmlReadError('The XML ends before its elements are closed.');
    return [];
  }

  // Text outside the root element is not XML: junk must not read as an empty sheet.
  private text(raw: string, events: XmlEvent[]): void {
    if (this.depth === 0) {
      if (raw.trim() !== '' && raw.trim() !== '\uFEFF') throw new XmlReadError('The part holds text outside its XML elements.');
      return;
    }
    events.push({ kind: 'text', text: decodeEntities(raw) });
  }

  /** Index of the '>' closing the markup at `lt`, or -1 when more text is needed. */
  private tokenEnd(buffer: string, lt: number): number {
    if (buffer.startsWith('<!--', lt)) return endOf(buffer.indexOf('-->', lt + 4), 2);
    if (buffer.startsWith('<![CDATA[', lt)) return endOf(buffer.indexOf(']]>', lt + 9), 2);
    if (buffer.startsWith('<!', lt) && buffer.length - lt >= 9 && !buffer.startsWith('<![CDATA[', lt)) {
      throw new XmlReadError('The XML declares a document type, which workbooks never do.');
    }
    let quote = '';
    for (let i = lt + 1; i < buffer.length; i++) {
      const c = buffer[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') return i;
    }
    return -1;
  }

  private token(markup: string, events: XmlEvent[]): void {
    if (markup.startsWith('<!--') || markup.startsWith('<?')) return;
    if (markup.startsWith('<![CDATA[')) {
      if (this.depth === 0) throw new XmlReadError('The part holds text outside its XML elements.');
      events.push({ kind: 'text', text: markup.slice(9, -3) });
      return;
    }
    if (markup[1] === '/') {
      if (--this.depth < 0) throw new XmlReadError('The XML closes an element it never opened.');
      events.push({ kind: 'close', name: localName(markup.slice(2, -1).trim()) });
      return;
    }
    const selfClosing = markup.endsWith('/>');
    const body = markup.slice(1, selfClosing ? -2 : -1);
    const nameEnd = body.search(/[\s/]|$/);
    const attributes: Record<string, string> = {};
    for (const match of body.slice(nameEnd).matchAll(ATTRIBUTE)) {
      attributes[localName(match[1])] = decodeEntities(match[2] ?? match[3] ?? '');
    }
    if (this.depth === 0 && this.rootSeen) throw new XmlReadError('The part holds more than one root element.');
    this.rootSeen = true;
    events.push({ kind: 'open', name: localName(body.slice(0, nameEnd)), attributes, selfClosing });
    if (selfClosing) events.push({ kind: 'close', name: localName(body.slice(0, nameEnd)) });
    else this.depth++;
  }
}

const endOf = (index: number, extra: number): number => (index < 0 ? -1 : index + extra);
