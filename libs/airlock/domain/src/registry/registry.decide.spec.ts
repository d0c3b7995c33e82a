import { deciderSpec } from '../testing/decider-spec';
import type { Actor } from '../identity/actor';
import { DEFAULT_APPROVAL_POLICY } from '../request/approval-policy';
import { decideRegistry, type RegistryCommand } from './registry.decide';
import type { RegistryEvent } from './registry.events';
import { evolveRegistry, initialRegistry, withRegistryFacts } from './registry.state';

const spec = deciderSpec({ decide: decideRegistry, evolve: evolveRegistry, initialState: initialRegistry });
const AT = '2026-11-28T12:00:00.000Z';
const ADMIN: Actor = { userId: 'root', roles: ['administrator'] };
const policy = { approval: DEFAULT_APPROVAL_POLICY, disclosure: { minCellCount: 10 } };
const cmd = <T extends RegistryCommand['type']>(type: T, data: Extract<RegistryCommand, { type: T }>['data'], actor = ADMIN) =>
  ({ type, actor, at: AT, data }) as RegistryCommand;
const meta = { by: 'root', at: AT };
const project: RegistryEvent = { type: 'ProjectCreated', data: { projectId: 'p1', name: 'Cohort', policy, ...meta } };
const member: RegistryEvent = { type: 'MemberAdded', data: { projectId: 'p1', userId: 'alice', ...meta } };

describe('registry (safe people)', () => {
  it('creates a project with its policy, once', () => {
    spec
      .given([])
      .when(cmd('CreateProject', { projectId: 'p1', name: 'Cohort', policy }))
      .then([project]);
    spec
      .given([project])
      .when(cmd('CreateProject', { projectId: 'p1', name: 'x', policy }))
      .thenRefuses('PROJECT_EXISTS');
  });
  it('refuses a policy with fewer than one approval or a bad threshold', () => {
    spec
      .given([])
      .when(cmd('CreateProject', { projectId: 'p1', name: 'x', policy: { ...policy, approval: { ...DEFAULT_APPROVAL_POLICY, requiredApprovals: 0 } } }))
      .thenRefuses('INVALID_POLICY');
    spec
      .given([project])
      .when(cmd('ChangeProjectPolicy', { projectId: 'p1', policy: { ...policy, disclosure: { minCellCount: 0 } } }))
      .thenRefuses('INVALID_POLICY');
  });
  it('adds and removes members; adding twice changes nothing', () => {
    spec
      .given([project])
      .when(cmd('AddMember', { projectId: 'p1', userId: 'alice' }))
      .then([member]);
    spec
      .given([project, member])
      .when(cmd('AddMember', { projectId: 'p1', userId: 'alice' }))
      .thenNothingHappens();
    spec
      .given([project, member])
      .when(cmd('RemoveMember', { projectId: 'p1', userId: 'alice' }))
      .thenProduces((e) => expect(e[0].type).toBe('MemberRemoved'));
    spec
      .given([project])
      .when(cmd('RemoveMember', { projectId: 'p1', userId: 'alice' }))
      .thenRefuses('NOT_MEMBER');
    spec
      .given([])
      .when(cmd('AddMember', { projectId: 'nope', userId: 'alice' }))
      .thenRefuses('UNKNOWN_PROJECT');
  });
  it('never assigns a project member as one of its checkers', () => {
    spec
      .given([project, member])
      .when(cmd('AssignChecker', { projectId: 'p1', userId: 'alice' }))
      .thenRefuses('ALREADY_MEMBER');
    // ...nor makes a project's checker one of its members (docs/design.md invariant 1, both directions).
    const checker: RegistryEvent = { type: 'CheckerAssigned', data: { projectId: 'p1', userId: 'chris', ...meta } };
    spec
      .given([project, checker])
      .when(cmd('AddMember', { projectId: 'p1', userId: 'chris' }))
      .thenRefuses('ALREADY_CHECKER');
    spec
      .given([project])
      .when(cmd('AssignChecker', { projectId: 'p1', userId: 'chris' }))
      .thenProduces((e) => expect(e[0].type).toBe('CheckerAssigned'));
    spec
      .given([project])
      .when(cmd('UnassignChecker', { projectId: 'p1', userId: 'chris' }))
      .thenRefuses('NOT_ASSIGNED');
  });
  it('grants accreditation only until a future date, and revokes it', () => {
    spec
      .given([])
      .when(cmd('GrantAccreditation', { userId: 'alice', expiresAt: '2026-01-01T00:00:00.000Z' }))
      .thenRefuses('INVALID_ACCREDITATION');
    spec
      .given([])
      .when(cmd('RevokeAccreditation', { userId: 'alice', reason: 'left' }))
      .thenRefuses('NOT_ACCREDITED');
  });
  it.each([
    ['approval.requiredApprovals', { approval: { ...DEFAULT_APPROVAL_POLICY, requiredApprovals: 11 } }],
    ['approval.requiredApprovals', { approval: { ...DEFAULT_APPROVAL_POLICY, requiredApprovals: 1.5 } }],
    ['approval.extraApprovalForKinds', { approval: { ...DEFAULT_APPROVAL_POLICY, extraApprovalForKinds: ['code', 'code'] } }],
    ['approval.extraApprovalForKinds', { approval: { ...DEFAULT_APPROVAL_POLICY, extraApprovalForKinds: ['binary'] } }],
    ['disclosure.minCellCount', { disclosure: { minCellCount: 1 } }],
    ['disclosure.minCellCount', { disclosure: { minCellCount: 10.5 } }],
    ['disclosure.p', { disclosure: { p: 0 } }],
    ['disclosure.p', { disclosure: { p: 10 } }],
    ['disclosure.nkN', { disclosure: { nkN: 0 } }],
    ['disclosure.nkN', { disclosure: { nkN: 11 } }],
    ['disclosure.nkK', { disclosure: { nkK: 5 } }],
    ['disclosure.nkK', { disclosure: { nkK: 1 } }],
    ['disclosure.nkK', { disclosure: { nkK: 0 } }],
    ['disclosure.classDisclosureShare', { disclosure: { classDisclosureShare: 1 } }],
    ['disclosure.classDisclosureShare', { disclosure: { classDisclosureShare: 90 } }],
    ['disclosure.minResidualDof', { disclosure: { minResidualDof: 0 } }],
    ['disclosure.minResidualDof', { disclosure: { minResidualDof: -3 } }],
    ['disclosure.nkk', { disclosure: { nkk: 0.9 } }],
  ])('refuses a policy with %s out of range, naming the field', (field, change) => {
    const bad = { ...policy, ...change } as typeof policy;
    expect(() => decideRegistry(cmd('CreateProject', { projectId: 'p2', name: 'x', policy: bad }), initialRegistry)).toThrow(
      expect.objectContaining({ code: 'INVALID_POLICY', details: { field: `policy.${field}` } }),
    );
    spec
      .given([project])
      .when(cmd('ChangeProjectPolicy', { projectId: 'p1', policy: bad }))
      .thenRefuses('INVALID_POLICY');
  });
  it('accepts the ACRO defaults and the edges of each range', () => {
    const edges = { minCellCount: 2, p: 1, nkN: 10, nkK: 0.99, classDisclosureShare: 0.01, minResidualDof: 1 };
    spec
      .given([project])
      .when(cmd('ChangeProjectPolicy', { projectId: 'p1', policy: { ...policy, disclosure: edges } }))
      .thenProduces((e) => expect(e[0].type).toBe('ProjectPolicyChanged'));
  });
  it.each(['', ' p1', 'p/1', '__proto__', '.hidden', '_x', 'a'.repeat(65), 'p\n', 'é'])('refuses the id %p with a coded error', (bad) => {
    spec
      .given([])
      .when(cmd('CreateProject', { projectId: bad, name: 'x', policy }))
      .thenRefuses('INVALID_ID');
    spec
      .given([project])
      .when(cmd('AddMember', { projectId: 'p1', userId: bad }))
      .thenRefuses('INVALID_ID');
    spec
      .given([])
      .when(cmd('GrantAccreditation', { userId: bad, expiresAt: '2027-01-01T00:00:00.000Z' }))
      .thenRefuses('INVALID_ID');
  });
  it.each(['3f1c9a52-0b1e-4c57-9a4e-0d1a2b3c4d5e', 'alice@example.org', 'f:1234'.replace(':', '-'), 'A.B_c-9'])('accepts the id %p', (good) => {
    spec
      .given([project])
      .when(cmd('AddMember', { projectId: 'p1', userId: good }))
      .thenProduces((e) => expect(e[0].type).toBe('MemberAdded'));
  });
  it('refuses everything to someone who is not an administrator', () => {
    spec
      .given([])
      .when(cmd('CreateProject', { projectId: 'p1', name: 'x', policy }, { userId: 'alice', roles: ['researcher'] }))
      .thenRefuses('ROLE_REQUIRED');
  });
  it('adds accreditation, memberships and checking assignments to a person', () => {
    const state = [
      project,
      member,
      { type: 'CheckerAssigned', data: { projectId: 'p1', userId: 'chris', ...meta } },
      { type: 'AccreditationGranted', data: { userId: 'alice', expiresAt: '2027-01-01T00:00:00.000Z', ...meta } },
    ].reduce((s, e) => evolveRegistry(s, e as RegistryEvent), initialRegistry);
    expect(withRegistryFacts(state, { userId: 'alice', roles: ['researcher'] })).toEqual({
      userId: 'alice',
      roles: ['researcher'],
      projectIds: ['p1'],
      checksProjectIds: [],
      accreditedUntil: '2027-01-01T00:00:00.000Z',
    });
    expect(withRegistryFacts(state, { userId: 'chris', roles: ['output_checker'] })).toMatchObject({ projectIds: [], checksProjectIds: ['p1'] });
    expect(withRegistryFacts(state, { userId: 'chris', roles: ['output_checker'] }).accreditedUntil).toBeUndefined();
  });
});
