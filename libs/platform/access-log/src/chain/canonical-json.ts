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

const INSERTION_SORT_MAX = 24;

/**
 * Sorts keys in place by UTF-16 code units, as `Array.prototype.sort()` would. Insertion sort: an
 * event's objects have a handful of keys, often in order already, and V8's sort allocates a work
 * array per call (a third of what serialising a record allocated, issue 14).
 */
function sortKeys(keys: string[]): void {
  // Quadratic at worst: a large object (hostile or not) takes the library sort.
  if (keys.length > INSERTION_SORT_MAX) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i += 1) {
    const key = keys[i];
    let j = i - 1;
    if (keys[j] <= key) continue;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j -= 1;
    }
    keys[j + 1] = key;
  }
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
  sortKeys(keys);
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
