import { chainHash, GENESIS, nextLink, recordBody, type ChainLink } from './audit-chain';
import { canonicalJson } from './canonical-json';
import { ChainVerifier, type ChainVerdict, type ChainVerifierOptions } from './chain-verifier';

function chain(n: number): ChainLink[] {
  const links: ChainLink[] = [];
  let head = GENESIS;
  for (let i = 1; i <= n; i += 1) {
    const link = nextLink(
      head,
      recordBody({ envelope: { id: `e${i}`, type: 'airlock.test.v1', data: { n: i } }, recordedAt: '2026-11-28T00:00:00.000Z', topic: 't' }),
    );
    links.push(link);
    head = link;
  }
  return links;
}

function verify(links: ChainLink[], options: ChainVerifierOptions = {}): ChainVerdict {
  const verifier = new ChainVerifier(options);
  for (const link of links) verifier.push(link);
  return verifier.finish();
}

/** What a database superuser can do to rows: change columns, delete, renumber, insert a forged record. */
const renumber = (links: ChainLink[], from: number, by: number) => links.map((l) => (l.position >= from ? { ...l, position: l.position + by } : l));
const rehashed = (link: ChainLink): ChainLink => ({ ...link, recordHash: chainHash(link.position, link.prevHash, link.body) });

describe('audit chain verification', () => {
  it('accepts an untouched chain and reports its head', () => {
    const links = chain(10);
    expect(verify(links)).toEqual({ valid: true, count: 10, firstPosition: 1, lastPosition: 10, headHash: links[9].recordHash, checkpointsMatched: 0 });
  });

  it('accepts an empty chain', () => {
    expect(verify([])).toMatchObject({ valid: true, count: 0, headHash: GENESIS.recordHash });
  });

  describe('names the first tampered record and what was done to it', () => {
    it('altered in place', () => {
      const links = chain(10);
      links[4] = { ...links[4], body: links[4].body.toString().replace('"n":5', '"n":6') };
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'altered' });
    });

    it('altered and re-hashed: the next record still links to the original', () => {
      const links = chain(10);
      links[4] = rehashed({ ...links[4], body: links[4].body.toString().replace('"n":5', '"n":6') });
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'altered' });
    });

    it('altered in its stored hash only', () => {
      const links = chain(10);
      links[6] = { ...links[6], recordHash: 'f'.repeat(64) };
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 7, kind: 'altered' });
    });

    it('the first record altered', () => {
      const links = chain(3);
      links[0] = { ...links[0], body: '{"forged":true}' };
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 1, kind: 'altered' });
    });

    it('deleted, leaving a gap', () => {
      const links = chain(10);
      links.splice(3, 1);
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 4, kind: 'deleted' });
    });

    it('deleted, and the records after it renumbered to close the gap', () => {
      const links = chain(10);
      links.splice(3, 1);
      expect(verify(renumber(links, 5, -1))).toMatchObject({ valid: false, firstInvalidPosition: 4, kind: 'deleted' });
    });

    it('three deleted and renumbered', () => {
      const links = chain(10);
      links.splice(3, 3);
      expect(verify(renumber(links, 7, -3))).toMatchObject({ valid: false, firstInvalidPosition: 4, kind: 'deleted', detail: expect.stringContaining('4..6') });
    });

    it('the first record deleted', () => {
      expect(verify(chain(5).slice(1))).toMatchObject({ valid: false, firstInvalidPosition: 1, kind: 'deleted' });
    });

    it('inserted with its hashes forged to fit, the records after it renumbered', () => {
      const links = renumber(chain(10), 5, 1);
      const forged = rehashed({ position: 5, prevHash: links[3].recordHash, recordHash: '', body: '{"forged":true}' });
      links.splice(4, 0, forged);
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'inserted' });
    });

    it('inserted with made-up hashes', () => {
      const links = renumber(chain(10), 5, 1);
      links.splice(4, 0, { position: 5, prevHash: 'a'.repeat(64), recordHash: 'b'.repeat(64), body: '{"forged":true}' });
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'inserted' });
    });

    it('reordered: two neighbours swapped', () => {
      const links = chain(10);
      const [a, b] = [links[5], links[6]];
      links[5] = { ...b, position: 6 };
      links[6] = { ...a, position: 7 };
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 6, kind: 'reordered' });
    });

    it('reordered: records far apart swapped', () => {
      const links = chain(20);
      const [a, b] = [links[2], links[12]];
      links[2] = { ...b, position: 3 };
      links[12] = { ...a, position: 13 };
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 3, kind: 'reordered' });
    });

    it('reordered: the last two swapped', () => {
      const links = chain(6);
      const [a, b] = [links[4], links[5]];
      links[4] = { ...b, position: 5 };
      links[5] = { ...a, position: 6 };
      expect(verify(links)).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'reordered' });
    });
  });

  describe('with signed checkpoints', () => {
    it('matches a chain passing through its signed heads', () => {
      const links = chain(10);
      expect(
        verify(links, {
          signedHeads: [
            { position: 4, headHash: links[3].recordHash },
            { position: 10, headHash: links[9].recordHash },
          ],
        }),
      ).toMatchObject({ valid: true, checkpointsMatched: 2 });
    });

    it('detects a chain recomputed from an edit onwards, which no link check can see', () => {
      const original = chain(10);
      const signedHeads = [
        { position: 3, headHash: original[2].recordHash },
        { position: 8, headHash: original[7].recordHash },
      ];
      const rewritten = original.slice(0, 5);
      let head = { position: 5, recordHash: original[4].recordHash };
      for (const link of original.slice(5)) {
        const body = link.position === 6 ? '{"forged":true}' : link.body.toString();
        const next = nextLink(head, body);
        rewritten.push(next);
        head = next;
      }
      expect(verify(rewritten)).toMatchObject({ valid: true });
      expect(verify(rewritten, { signedHeads })).toMatchObject({
        valid: false,
        kind: 'rewritten',
        firstInvalidPosition: 8,
        detail: expect.stringContaining('4..8'),
      });
    });

    it('detects records cut off the end below a signed head', () => {
      const links = chain(10);
      expect(verify(links.slice(0, 7), { signedHeads: [{ position: 9, headHash: links[8].recordHash }] })).toMatchObject({
        valid: false,
        kind: 'deleted',
        firstInvalidPosition: 8,
      });
    });
  });

  describe('a range', () => {
    it('starts from the record before it, which anchors the first link', () => {
      const links = chain(10);
      expect(verify(links.slice(3, 8), { from: 5 })).toMatchObject({ valid: true, count: 4, firstPosition: 5, lastPosition: 8 });
    });

    it('reports a missing anchor as deleted', () => {
      const links = chain(10);
      expect(verify(links.slice(4, 8), { from: 5 })).toMatchObject({ valid: false, kind: 'deleted', firstInvalidPosition: 4 });
    });

    it('can trust a given anchor instead', () => {
      const links = chain(10);
      expect(verify(links.slice(4), { anchor: { position: 4, recordHash: links[3].recordHash } })).toMatchObject({ valid: true, count: 6 });
    });
  });

  it('hashes canonical bodies: key order and undefined members do not matter', () => {
    expect(recordBody({ topic: 't', recordedAt: 'r', envelope: { b: 1, a: [{ d: 2, c: undefined, e: null }] } })).toBe(
      '{"envelope":{"a":[{"d":2,"e":null}],"b":1},"recordedAt":"r","topic":"t"}',
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});
