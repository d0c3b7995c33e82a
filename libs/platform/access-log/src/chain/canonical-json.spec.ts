import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

// The canonical form every record is hashed over: keys sorted by UTF-16 code units at every level
// (RFC 8785's order), undefined members dropped, otherwise JSON.stringify's text.

/** The definition, written plainly with the library sort. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(object[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units, the integer-like and non-ASCII ones too', () => {
    expect(canonicalJson({ b: 1, a: { z: [3, { y: 1, x: 2 }], '10': 0, '9': 0, é: 0, E: 0 } })).toBe(
      '{"a":{"10":0,"9":0,"E":0,"z":[3,{"x":2,"y":1}],"é":0},"b":1}',
    );
  });

  it('matches the definition for any JSON value, objects of many keys included', () => {
    const manyKeys = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { minKeys: 20, maxKeys: 60 });
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), manyKeys, fc.object({ values: [fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)] })),
        (value) => {
          expect(canonicalJson(value)).toBe(reference(value));
        },
      ),
      { numRuns: 500 },
    );
  });
});
