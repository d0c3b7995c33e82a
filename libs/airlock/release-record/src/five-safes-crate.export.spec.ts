import { fold } from '@airlock/domain';
import { buildReleaseRecord } from './release-record.build';
import { FIVE_SAFES_PROFILE, toFiveSafesCrate, type CrateEntity, type FiveSafesCrate } from './five-safes-crate.export';
import { OVERRIDE, PRIVATE_NOTE, SHA, releasedStream, revoked } from './release-record.fixture';
import type { RecordedEvent } from './release-record.types';

const crateOf = (events: RecordedEvent[], audience: 'tre' | 'author' = 'tre'): FiveSafesCrate =>
  toFiveSafesCrate(buildReleaseRecord(fold(events.map((e) => e.event)), events, { audience }), audience === 'tre' ? { recordFile: 'release-record.json' } : {});
const byId = (crate: FiveSafesCrate) => new Map(crate['@graph'].map((e) => [e['@id'], e]));
const ofType = (crate: FiveSafesCrate, type: string, additional?: string) =>
  crate['@graph'].filter(
    (e) =>
      e['@type'] === type &&
      (additional === undefined || (e['additionalType'] as { '@id': string } | undefined)?.['@id'] === `https://w3id.org/shp#${additional}`),
  );

/** Every `{ "@id": ... }` reference inside the graph that is not an absolute URI must name an entity. */
function danglingReferences(crate: FiveSafesCrate): string[] {
  const ids = byId(crate);
  const refs: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === '@id') refs.push((value as { '@id': string })['@id']);
      else Object.entries(value).forEach(([k, v]) => k !== '@id' && walk(v));
    }
  };
  crate['@graph'].forEach((e: CrateEntity) => walk(e));
  return refs.filter((r) => !/^https?:\/\//.test(r) && !ids.has(r));
}

describe('Five Safes RO-Crate export', () => {
  const crate = crateOf(releasedStream().build());
  const entities = byId(crate);
  const root = entities.get('./') as CrateEntity;

  it('is an RO-Crate 1.2 metadata document conforming to the Five Safes profile 0.4', () => {
    expect(crate['@context']).toBe('https://w3id.org/ro/crate/1.2/context');
    expect(entities.get('ro-crate-metadata.json')).toMatchObject({
      '@type': 'CreativeWork',
      about: { '@id': './' },
      conformsTo: { '@id': 'https://w3id.org/ro/crate/1.2' },
    });
    expect(root).toMatchObject({
      '@type': 'Dataset',
      conformsTo: { '@id': FIVE_SAFES_PROFILE },
      sourceOrganization: { '@id': '#project-proj-1' },
      publisher: { '@id': '#tre' },
    });
    expect(entities.get(FIVE_SAFES_PROFILE)).toMatchObject({ '@type': 'Profile' });
    expect(danglingReferences(crate)).toEqual([]);
  });

  it('has the released files as File data entities at their paths, with SHA-256 and size', () => {
    expect(root['hasPart']).toEqual([{ '@id': 'turn-2/f-adm/admissions.csv' }, { '@id': 'turn-2/f-fixed/by-ward.csv' }, { '@id': 'release-record.json' }]);
    expect(entities.get('turn-2/f-fixed/by-ward.csv')).toMatchObject({
      '@type': 'File',
      sha256: SHA.fixed,
      contentSize: '42',
      encodingFormat: 'text/csv',
      name: 'by-ward.csv',
    });
    // The replaced file of turn 1 is described, but is not a data entity of the crate.
    expect(entities.get('#file-f-risky-turn-1')).toMatchObject({ '@type': 'File', sha256: SHA.risky });
  });

  it('has the disclosure checks as AssessActions: one automated per file and turn, one per vote', () => {
    const checks = ofType(crate, 'AssessAction', 'DisclosureCheck');
    expect(checks.filter((c) => String(c['name']).startsWith('Automated'))).toHaveLength(4);
    const votes = checks.filter((c) => !String(c['name']).startsWith('Automated'));
    expect(votes).toHaveLength(8);
    const changes = votes.find((v) => String(v['name']).includes('request changes')) as CrateEntity;
    expect(changes).toMatchObject({ agent: { '@id': '#person-dana' }, actionStatus: 'http://schema.org/FailedActionStatus' });
    expect(entities.get('#person-chris')).toMatchObject({ '@type': 'Person' });
    const automated = checks.find((c) => c['@id'] === '#disclosure-check-f-risky-turn-1') as CrateEntity;
    expect(automated['actionStatus']).toBe('http://schema.org/FailedActionStatus');
    expect(automated['instrument']).toContainEqual({ '@id': '#disclosure-rules-0.5.0-turn-1/threshold' });
    expect(entities.get('#disclosure-rules-0.5.0-turn-1/threshold')).toMatchObject({ '@type': 'PropertyValue', name: 'threshold', value: 10 });
    expect(JSON.stringify(crate)).toContain(OVERRIDE);
  });

  it('has a sign-off per turn under the approval policy, given as PropertyValues', () => {
    const signOffs = ofType(crate, 'AssessAction', 'SignOff');
    expect(signOffs.map((s) => [s['@id'], s['actionStatus']])).toEqual([
      ['#signoff-turn-1', 'http://schema.org/FailedActionStatus'],
      ['#signoff-turn-2', 'http://schema.org/CompletedActionStatus'],
    ]);
    expect(signOffs[1]['agent']).toEqual([{ '@id': '#person-chris' }, { '@id': '#person-dana' }]);
    expect(entities.get('#approval-policy-turn-2/requiredApprovals')).toMatchObject({ '@type': 'PropertyValue', value: 2 });
  });

  it('records the hash verified at release and mentions every action from the root', () => {
    expect(ofType(crate, 'AssessAction', 'CheckValue')).toHaveLength(2);
    const actions = crate['@graph'].filter((e) => ['AssessAction', 'CreateAction', 'DeleteAction'].includes(String(e['@type'])));
    expect((root['mentions'] as { '@id': string }[]).map((m) => m['@id']).sort()).toEqual(actions.map((a) => a['@id']).sort());
  });

  it('after a revocation, the files are no longer data entities and the revocation is an action', () => {
    const after = crateOf(revoked(releasedStream()).build());
    const afterRoot = byId(after).get('./') as CrateEntity;
    expect(afterRoot['hasPart']).toEqual([{ '@id': 'release-record.json' }]);
    expect(byId(after).get('#revocation')).toMatchObject({
      '@type': 'DeleteAction',
      actionStatus: 'http://schema.org/CompletedActionStatus',
      agent: { '@id': '#person-root' },
    });
    expect(danglingReferences(after)).toEqual([]);
  });

  it('for the author, names no checker and holds no private comment', () => {
    const text = JSON.stringify(crateOf(releasedStream().build(), 'author'));
    expect(text).not.toMatch(/chris|dana|release-record\.json/);
    expect(text).not.toContain(PRIVATE_NOTE);
    expect(text).toContain('#person-Checker%201');
  });
});
