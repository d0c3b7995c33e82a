// Canonical JSON (keys sorted by UTF-16 code units at every level, as RFC 8785 does; no
// insignificant whitespace; undefined members dropped) so that the same record always hashes to
// the same bytes, whoever serialises it. Written as plain loops: it runs once per appended record.

// Events repeat the same member names: each is quoted once (bounded, so hostile input cannot grow it).
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_MAX = 4_096;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(key, quoted);
  }
  return quoted;
}

export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = `[${canonicalJson(value[0])}`;
    for (let i = 1; i < value.length; i += 1) out += `,${canonicalJson(value[i])}`;
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${quoteKey(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}
