import { fold } from '@airlock/domain';
import { buildReleaseRecord } from './release-record.build';
import { releaseAcroResults, releaseRecordKeys } from './release-record.document';
import { REQUEST_ID, releasedStream } from './release-record.fixture';

describe('the released package as an ACRO results.json', () => {
  const events = releasedStream().build();
  const state = fold(events.map((e) => e.event));
  const document = releaseAcroResults(state, events);
  const results = JSON.parse(document.body);
  const record = buildReleaseRecord(state, events, { audience: 'tre' });

  it("is ACRO 1.0.2's format, timed at the release, kept beside the release record", () => {
    expect(document.contentType).toMatch(/^application\/json/);
    expect(results).toMatchObject({ version: '1.0.2', tool: { name: 'Airlock disclosure-check' } });
    expect(Object.values(results.results).map((o) => (o as { timestamp: string }).timestamp)).toEqual([record.release.releasedAt, record.release.releasedAt]);
    expect(releaseRecordKeys(REQUEST_ID).acro).toBe(`records/${REQUEST_ID}/results.json`);
  });

  it('holds one output per released file with its verdict, and leaves out the files that were not released', () => {
    const released = record.files.filter((f) => f.released);
    expect(Object.keys(results.results).sort()).toEqual(released.map((f) => f.name).sort());
    for (const file of released) {
      expect(results.results[file.name]).toMatchObject({ status: file.check?.verdict, files: [{ name: file.name }] });
    }
    const notReleased = record.files.filter((f) => !f.released).map((f) => f.name);
    for (const name of [...notReleased, ...record.turns[0].files.map((f) => f.name).filter((n) => !released.some((r) => r.name === n))]) {
      expect(results.results[name]).toBeUndefined();
    }
  });
});
