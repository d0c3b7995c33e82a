import { DEFAULT_POLICY } from './disclosure.policy';
import { parsePolicy, PolicyError } from './policy.parse';

describe('parsePolicy', () => {
  it('lays the given keys over the defaults, accepting the project setting minCellCount', () => {
    expect(parsePolicy({ threshold: 5, p: 0.2 })).toEqual({ ...DEFAULT_POLICY, threshold: 5, p: 0.2 });
    expect(parsePolicy({ minCellCount: 20 }).threshold).toBe(20);
    expect(parsePolicy({})).toEqual(DEFAULT_POLICY);
  });

  it.each([
    ['a typo', { treshold: 5 }, /Unknown policy key "treshold"/],
    ['a threshold of zero', { threshold: 0 }, /"threshold" must be a whole number from 2 to 1000/],
    ['a fractional n', { nkN: 2.5 }, /"nkN" must be a whole number/],
    ['k above 1', { nkK: 1.5 }, /"nkK" must be a fraction above 0 and below 1/],
    ['a key found only on Object.prototype', { constructor: 5 }, /Unknown policy key "constructor"/],
    ['__proto__ as a key', JSON.parse('{"__proto__": {"threshold": 1}}'), /Unknown policy key "__proto__"/],
    ['a string for a flag', { zerosAreDisclosive: 'yes' }, /true or false/],
    ['an array', [10], /must be a JSON object/],
    ['null', null, /must be a JSON object/],
  ])('refuses %s', (_name, document, message) => {
    expect(() => parsePolicy(document)).toThrow(PolicyError);
    expect(() => parsePolicy(document)).toThrow(message);
  });

  // Out of range for what each rule computes (policy.schema.ts): each would switch a rule off,
  // read a percentage as a fraction, or stop bounding memory or archives.
  it.each([
    ['threshold', 1],
    ['threshold', 0],
    ['threshold', -5],
    ['threshold', 10.5],
    ['threshold', 1001],
    ['minCellCount', 1],
    ['p', 0],
    ['p', -0.1],
    ['p', 10],
    ['p', 1.01],
    ['p', '0.1'],
    ['nkN', 0],
    ['nkN', 2.5],
    ['nkN', 11],
    ['nkK', 0],
    ['nkK', 1],
    ['nkK', 5],
    ['nkK', 90],
    ['nkK', -0.5],
    ['classDisclosureShare', 0],
    ['classDisclosureShare', 1],
    ['classDisclosureShare', 90],
    ['minResidualDof', 0],
    ['minResidualDof', -1],
    ['minResidualDof', 2.5],
    ['minResidualDof', 1001],
    ['maxTableCells', 0],
    ['maxTableCells', 1e9],
    ['archiveMaxEntries', 0],
    ['archiveMaxUncompressedBytes', 0],
    ['archiveMaxUncompressedBytes', 2 ** 41],
    ['archiveMaxRatio', 0.5],
    ['archiveMaxRatio', 1e6],
    ['archiveMaxDepth', 0],
    ['archiveMaxDepth', 11],
    ['zerosAreDisclosive', 1],
    ['checkMissingValues', 'no'],
  ])('refuses %s = %p, naming the key', (key, value) => {
    expect(() => parsePolicy({ [key]: value })).toThrow(new RegExp(`Policy key "${key}" must be`));
  });

  it.each([
    ['threshold', 2],
    ['threshold', 1000],
    ['p', 1],
    ['p', 0.05],
    ['nkN', 1],
    ['nkN', 10],
    ['nkK', 0.99],
    ['classDisclosureShare', 0.5],
    ['minResidualDof', 1],
    ['archiveMaxRatio', 1],
  ])('accepts %s = %p at the edge of its range', (key, value) => {
    expect(parsePolicy({ [key]: value })[key as 'p']).toBe(value);
  });
});
