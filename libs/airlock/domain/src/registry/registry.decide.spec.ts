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
    spec.given([]).when(cmd('CreateProject', { projectId: 'p1', name: 'Cohort', policy })).then([project]);
    spec.given([project]).when(cmd('CreateProject', { projectId: 'p1', name: 'x', policy })).thenRefuses('PROJECT_EXISTS');
  });
  it('refuses a policy with fewer than one approval or a bad threshold', () => {
    spec.given([]).when(cmd('CreateProject', { projectId: 'p1', name: 'x', policy: { ...policy, approval: { ...DEFAULT_APPROVAL_POLICY, requiredApprovals: 0 } } })).thenRefuses('INVALID_POLICY');
    spec.given([project]).when(cmd('ChangeProjectPolicy', { projectId: 'p1', policy: { ...policy, disclosure: { minCellCount: 0 } } })).thenRefuses('INVALID_POLICY');
  });
  it('adds and removes members; adding twice changes nothing', () => {
    spec.given([project]).when(cmd('AddMember', { projectId: 'p1', userId: 'alice' })).then([member]);
    spec.given([project, member]).when(cmd('AddMember', { projectId: 'p1', userId: 'alice' })).thenNothingHappens();
    spec.given([project, member]).when(cmd('RemoveMember', { projectId: 'p1', userId: 'alice' })).thenProduces((e) => expect(e[0].type).toBe('MemberRemoved'));
    spec.given([project]).when(cmd('RemoveMember', { projectId: 'p1', userId: 'alice' })).thenRefuses('NOT_MEMBER');
    spec.given([]).when(cmd('AddMember', { projectId: 'nope', userId: 'alice' })).thenRefuses('UNKNOWN_PROJECT');
  });
  it('never assigns a project member as one of its checkers', () => {
    spec.given([project, member]).when(cmd('AssignChecker', { projectId: 'p1', userId: 'alice' })).thenRefuses('ALREADY_MEMBER');
    spec.given([project]).when(cmd('AssignChecker', { projectId: 'p1', userId: 'chris' })).thenProduces((e) => expect(e[0].type).toBe('CheckerAssigned'));
    spec.given([project]).when(cmd('UnassignChecker', { projectId: 'p1', userId: 'chris' })).thenRefuses('NOT_ASSIGNED');
  });
  it('grants accreditation only until a future date, and revokes it', () => {
    spec.given([]).when(cmd('GrantAccreditation', { userId: 'alice', expiresAt: '2026-01-01T00:00:00.000Z' })).thenRefuses('INVALID_ACCREDITATION');
    spec.given([]).when(cmd('RevokeAccreditation', { userId: 'alice', reason: 'left' })).thenRefuses('NOT_ACCREDITED');
  });
  it('refuses everything to someone who is not an administrator', () => {
    spec.given([]).when(cmd('CreateProject', { projectId: 'p1', name: 'x', policy }, { userId: 'alice', roles: ['researcher'] })).thenRefuses('ROLE_REQUIRED');
  });
  it('adds accreditation, memberships and checking assignments to a person', () => {
    const state = [project, member,
      { type: 'CheckerAssigned', data: { projectId: 'p1', userId: 'chris', ...meta } },
      { type: 'AccreditationGranted', data: { userId: 'alice', expiresAt: '2027-01-01T00:00:00.000Z', ...meta } },
    ].reduce((s, e) => evolveRegistry(s, e as RegistryEvent), initialRegistry);
    expect(withRegistryFacts(state, { userId: 'alice', roles: ['researcher'] })).toEqual({
      userId: 'alice', roles: ['researcher'], projectIds: ['p1'], checksProjectIds: [], accreditedUntil: '2027-01-01T00:00:00.000Z',
    });
    expect(withRegistryFacts(state, { userId: 'chris', roles: ['output_checker'] })).toMatchObject({ projectIds: [], checksProjectIds: ['p1'] });
    expect(withRegistryFacts(state, { userId: 'chris', roles: ['output_checker'] }).accreditedUntil).toBeUndefined();
  });
});
