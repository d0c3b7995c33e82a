import fc from 'fast-check';
import type { Actor } from './actor';
import { isValidId } from './id.grammar';
import { DEFAULT_APPROVAL_POLICY } from '../request/approval-policy';
import { decide } from '../request/request.decide';
import { fold } from '../request/request.evolve';
import type { RequestCommand } from '../request/request.commands';
import type { RequestEvent } from '../request/request.events';
import { decideRegistry, type RegistryCommand } from '../registry/registry.decide';
import { evolveRegistry, initialRegistry, withRegistryFacts, type RegistryState } from '../registry/registry.state';

// docs/design.md invariant 8: nothing is looked up through a JavaScript prototype. Every built-in
// property name, used as every kind of id, is either refused by the id grammar (INVALID_ID) or
// behaves exactly like an ordinary id: same events, same refusals, same facts.
const BUILT_IN_NAMES = [
  ...new Set([
    ...[Object.prototype, Function.prototype, Array.prototype, String.prototype].flatMap((o) => Object.getOwnPropertyNames(o)),
    '__proto__',
    'constructor',
    'prototype',
  ]),
];

const AT = '2026-11-28T12:00:00.000Z';
const LATER = '2027-11-28T12:00:00.000Z';
const ADMIN: Actor = { userId: 'root', roles: ['administrator'] };
const policy = { approval: DEFAULT_APPROVAL_POLICY, disclosure: { minCellCount: 10 } };

type Outcome = { events: unknown } | { refused: string };
const outcomeOf = (run: () => unknown): Outcome => {
  try {
    return { events: run() };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return { refused: code };
  }
};

/** Outcomes with every occurrence of `name` written as `ordinary`, to compare with the ordinary run. */
const asOrdinary = (outcomes: Outcome[], name: string, ordinary: string) =>
  JSON.parse(JSON.stringify(outcomes, (_key, value: unknown) => (value === name ? ordinary : value)));

// --- registry -------------------------------------------------------------------------------
const REGISTRY_IDS = { project: 'proj-o', member: 'mem-o', checker: 'chk-o', accredited: 'acc-o', stranger: 'nobody-o' };
type RegistryRole = keyof typeof REGISTRY_IDS;

function registryScript(ids: typeof REGISTRY_IDS): RegistryCommand[] {
  const c = <T extends RegistryCommand['type']>(type: T, data: Extract<RegistryCommand, { type: T }>['data']) =>
    ({ type, actor: ADMIN, at: AT, data }) as RegistryCommand;
  const { project, member, checker, accredited, stranger } = ids;
  return [
    c('AddMember', { projectId: project, userId: member }),
    c('CreateProject', { projectId: project, name: 'Cohort', policy }),
    c('AddMember', { projectId: project, userId: member }),
    c('AddMember', { projectId: project, userId: member }),
    c('AssignChecker', { projectId: project, userId: checker }),
    c('AddMember', { projectId: project, userId: checker }),
    c('AssignChecker', { projectId: project, userId: member }),
    c('RevokeAccreditation', { userId: accredited, reason: 'left' }),
    c('GrantAccreditation', { userId: accredited, expiresAt: LATER }),
    c('RevokeAccreditation', { userId: stranger, reason: 'left' }),
    c('UnassignChecker', { projectId: project, userId: stranger }),
    c('RemoveMember', { projectId: project, userId: stranger }),
    c('AddMember', { projectId: stranger, userId: member }),
    c('ChangeProjectPolicy', { projectId: project, policy }),
    c('RevokeAccreditation', { userId: accredited, reason: 'left' }),
    c('RemoveMember', { projectId: project, userId: member }),
    c('UnassignChecker', { projectId: project, userId: checker }),
    c('CreateProject', { projectId: project, name: 'Again', policy }),
  ];
}

function runRegistry(ids: typeof REGISTRY_IDS, steps: readonly number[]): Outcome[] {
  const script = registryScript(ids);
  let state: RegistryState = initialRegistry;
  const outcomes = steps.map((i) => {
    const outcome = outcomeOf(() => decideRegistry(script[i], state));
    if ('events' in outcome) state = (outcome.events as Parameters<typeof evolveRegistry>[1][]).reduce(evolveRegistry, state);
    return outcome;
  });
  const facts = Object.values(ids).map((userId) => withRegistryFacts(state, { userId, roles: ['researcher'] }));
  return [...outcomes, { events: facts }, { events: [...state.projects.values()] }];
}

// --- request --------------------------------------------------------------------------------
const REQUEST_IDS = { request: 'req-o', project: 'proj-o', group: 'group-o', file: 'file-o', author: 'author-o', stranger: 'nobody-o' };
type RequestRole = keyof typeof REQUEST_IDS;

function requestScript(ids: typeof REQUEST_IDS): RequestCommand[] {
  const author: Actor = { userId: ids.author, roles: ['researcher'], accreditedUntil: LATER, projectIds: [ids.project] };
  const c = <T extends RequestCommand['type']>(type: T, data: Extract<RequestCommand, { type: T }>['data']) =>
    ({ type, actor: author, at: AT, data }) as RequestCommand;
  const upload = (fileId: string, group: string, name: string) =>
    c('AddFile', { fileId, name, group, kind: 'output', sha256: 'a'.repeat(64), size: 10, draftKey: `draft/${name}` });
  const submitWith = (keys: Record<string, string>) => c('Submit', { quarantineKeys: keys, policy: DEFAULT_APPROVAL_POLICY, disclosure: {} });
  return [
    c('CreateRequest', { requestId: ids.request, projectId: ids.stranger, title: 'Table 1' }),
    c('CreateRequest', { requestId: ids.request, projectId: ids.project, title: 'Table 1' }),
    upload(ids.file, ids.group, 'before-group.csv'),
    c('DefineGroup', { group: ids.group, context: 'Counts', controls: 'Rounded to 5' }),
    upload(ids.file, ids.stranger, 'unknown-group.csv'),
    upload(ids.file, ids.group, 'table.csv'),
    c('RemoveFile', { fileId: ids.stranger }),
    submitWith({}),
    submitWith({ [ids.stranger]: 'quarantine/other' }),
    c('Withdraw', {}),
    submitWith({ [ids.file]: 'quarantine/table.csv' }),
  ];
}

function runRequest(ids: typeof REQUEST_IDS, steps: readonly number[]): Outcome[] {
  const script = requestScript(ids);
  const events: RequestEvent[] = [];
  const outcomes = steps.map((i) => {
    const outcome = outcomeOf(() => decide(script[i], fold(events)));
    if ('events' in outcome) events.push(...(outcome.events as RequestEvent[]));
    return outcome;
  });
  return [...outcomes, { events: fold(events) }];
}

// --- the property ---------------------------------------------------------------------------
function expectLikeAnOrdinaryId<Ids extends Record<string, string>>(
  run: (ids: Ids, steps: readonly number[]) => Outcome[],
  ordinaryIds: Ids,
  role: keyof Ids,
  name: string,
  steps: readonly number[],
): void {
  const ordinary = run(ordinaryIds, steps);
  const withName = run({ ...ordinaryIds, [role]: name }, steps);
  if (isValidId(name)) {
    expect(asOrdinary(withName, name, ordinaryIds[role])).toEqual(ordinary);
    return;
  }
  // Refused by the grammar: the first step that differs from the ordinary run refuses INVALID_ID,
  // later ones may only refuse (what they needed was never created), and the name is stored
  // nowhere in the final state.
  const differing = steps.map((_s, i) => i).filter((i) => JSON.stringify(withName[i]) !== JSON.stringify(ordinary[i]));
  if (differing.length > 0) expect(withName[differing[0]]).toEqual({ refused: 'INVALID_ID' });
  for (const i of differing) expect(withName[i]).toEqual({ refused: expect.any(String) });
  expect(holdsValue(withName[withName.length - 1], name)).toBe(false);
}

const holdsValue = (value: unknown, name: string): boolean => {
  let found = false;
  JSON.stringify(value, (_key, v: unknown) => {
    if (v === name) found = true;
    return v;
  });
  return found;
};

describe('ids that are JavaScript property names', () => {
  it('has names to try, valid and invalid by the grammar', () => {
    expect(BUILT_IN_NAMES).toEqual(expect.arrayContaining(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'prototype', 'length']));
    expect(isValidId('constructor')).toBe(true);
    expect(isValidId('__proto__')).toBe(false);
  });

  it('behave in the registry like any ordinary id, or are refused by the grammar', () => {
    const roles = Object.keys(REGISTRY_IDS) as RegistryRole[];
    const steps = fc.subarray([...registryScript(REGISTRY_IDS).keys()], { minLength: 1 });
    fc.assert(
      fc.property(fc.constantFrom(...BUILT_IN_NAMES), fc.constantFrom(...roles), steps, (name, role, chosen) => {
        expectLikeAnOrdinaryId(runRegistry, REGISTRY_IDS, role, name, chosen);
      }),
      { numRuns: 2000 },
    );
  });

  it('behave in a request like any ordinary id, or are refused by the grammar', () => {
    const roles = Object.keys(REQUEST_IDS) as RequestRole[];
    const steps = fc.subarray([...requestScript(REQUEST_IDS).keys()], { minLength: 1 });
    fc.assert(
      fc.property(fc.constantFrom(...BUILT_IN_NAMES), fc.constantFrom(...roles), steps, (name, role, chosen) => {
        expectLikeAnOrdinaryId(runRequest, REQUEST_IDS, role, name, chosen);
      }),
      { numRuns: 2000 },
    );
  });

  // Every name in every role once, the whole script: no sampling luck.
  it.each(BUILT_IN_NAMES)('%s, in every role of the full scripts', (name) => {
    for (const role of Object.keys(REGISTRY_IDS) as RegistryRole[]) {
      expectLikeAnOrdinaryId(runRegistry, REGISTRY_IDS, role, name, [...registryScript(REGISTRY_IDS).keys()]);
    }
    for (const role of Object.keys(REQUEST_IDS) as RequestRole[]) {
      expectLikeAnOrdinaryId(runRequest, REQUEST_IDS, role, name, [...requestScript(REQUEST_IDS).keys()]);
    }
  });
});
