import { deciderSpec } from '../testing/decider-spec';
import { decideRegistry } from '../registry/registry.decide';
import { decide } from './request.decide';
import { evolve, fold } from './request.evolve';
import { initialState } from './request.state';
import { INPUT_LIMITS } from './request.limits';
import { ADMIN, AT, AUTHOR, CHECKER_1, GROUP, aRequest, command, sha } from './request.builders';
import type { RequestEvent } from './request.events';

// Invariant 9 (no slow poison): every person's text and count that lands in an event is bounded.
const spec = deciderSpec({ decide, evolve, initialState });
const over = (max: number) => 'x'.repeat(max + 1);
const groups = (count: number, text = 'c'): RequestEvent[] =>
  Array.from({ length: count }, (_, n) => ({
    type: 'GroupDefined',
    data: { requestId: 'req-1', group: `g${n}`, context: text, controls: text, definedAt: AT },
  }));
const uploads = (count: number): RequestEvent[] =>
  Array.from({ length: count }, (_, n) => ({
    type: 'FileUploaded',
    data: {
      requestId: 'req-1',
      fileId: `f${n}`,
      name: `t${n}.csv`,
      group: GROUP,
      kind: 'output',
      sha256: sha(`f${n}`),
      size: 1,
      draftKey: `d/${n}`,
      uploadedAt: AT,
    },
  }));

describe('input limits', () => {
  it.each([
    ['a title', () => command('CreateRequest', AUTHOR, { requestId: 'req-1', projectId: 'proj-1', title: over(INPUT_LIMITS.title) }), 'title'],
    ['a context', () => command('DefineGroup', AUTHOR, { group: 'g', context: over(INPUT_LIMITS.context), controls: 'c' }), 'context'],
    ['controls', () => command('DefineGroup', AUTHOR, { group: 'g', context: 'c', controls: over(INPUT_LIMITS.controls) }), 'controls'],
    ['a group name', () => command('DefineGroup', AUTHOR, { group: over(INPUT_LIMITS.group), context: 'c', controls: 'c' }), 'group'],
    [
      'an exception justification',
      () => command('RequestException', AUTHOR, { fileId: 'f1', rule: 'threshold', justification: over(INPUT_LIMITS.justification) }),
      'justification',
    ],
    [
      'a vote comment',
      () => command('CastVote', CHECKER_1, { fileId: 'f1', decision: 'approve', comment: { text: over(INPUT_LIMITS.comment), visibility: 'private' } }),
      'comment',
    ],
    [
      'an override justification',
      () => command('CastVote', CHECKER_1, { fileId: 'f1', decision: 'approve', overrideJustification: over(INPUT_LIMITS.justification) }),
      'overrideJustification',
    ],
    ['a comment', () => command('AddComment', CHECKER_1, { comment: { text: over(INPUT_LIMITS.comment), visibility: 'public' } }), 'text'],
    ['a revocation reason', () => command('Revoke', ADMIN, { reason: over(INPUT_LIMITS.reason) }), 'reason'],
  ])('refuses %s over its limit with TEXT_TOO_LONG naming the field', (_name, build, field) => {
    const refusal = (() => {
      try {
        decide(build(), initialState);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toMatchObject({ code: 'TEXT_TOO_LONG', details: { field } });
  });

  it('refuses a group past the 50th with TOO_MANY_GROUPS, and still lets the author redefine one', () => {
    // The builder's request already has one group.
    const given = [...aRequest().build(), ...groups(INPUT_LIMITS.groupsPerRequest - 1)];
    expect(fold(given).status === 'none' ? [] : (fold(given) as { groups: unknown[] }).groups).toHaveLength(INPUT_LIMITS.groupsPerRequest);
    spec
      .given(given)
      .when(command('DefineGroup', AUTHOR, { group: 'one-more', context: 'c', controls: 'c' }))
      .thenRefuses('TOO_MANY_GROUPS');
    expect(decide(command('DefineGroup', AUTHOR, { group: 'g0', context: 'new', controls: 'new' }), fold(given))).toHaveLength(1);
  });

  it("refuses many groups with long context past the request's budget of group text", () => {
    const perGroup = INPUT_LIMITS.context; // context and controls at their limit: 16,000 characters a group
    const fit = Math.floor(INPUT_LIMITS.groupTextPerRequest / (2 * perGroup));
    const given = [...aRequest().build(), ...groups(fit, 'x'.repeat(perGroup))];
    spec
      .given(given)
      .when(command('DefineGroup', AUTHOR, { group: 'long', context: 'x'.repeat(perGroup), controls: 'x'.repeat(perGroup) }))
      .thenRefuses('TEXT_TOO_LONG');
  });

  it('refuses a file past the 500th with TOO_MANY_FILES', () => {
    const given = [...aRequest().build(), ...uploads(INPUT_LIMITS.filesPerRequest)];
    const file = { fileId: 'f-new', name: 'new.csv', group: GROUP, kind: 'output' as const, sha256: sha('f-new'), size: 1, draftKey: 'd/new' };
    spec
      .given(given)
      .when(command('AddFile', AUTHOR, file))
      .thenRefuses('TOO_MANY_FILES');
  });

  it.each([
    [
      'a project name',
      {
        type: 'CreateProject',
        actor: ADMIN,
        at: AT,
        data: { projectId: 'p', name: over(INPUT_LIMITS.projectName), policy: { approval: { requiredApprovals: 2 }, disclosure: {} } },
      },
    ],
    ['an accreditation revocation reason', { type: 'RevokeAccreditation', actor: ADMIN, at: AT, data: { userId: 'u', reason: over(INPUT_LIMITS.reason) } }],
  ])('refuses %s over its limit in the registry', (_name, cmd) => {
    expect(() =>
      decideRegistry(cmd as Parameters<typeof decideRegistry>[0], { projects: {}, accreditations: {} } as unknown as Parameters<typeof decideRegistry>[1]),
    ).toThrow(expect.objectContaining({ code: 'TEXT_TOO_LONG' }));
  });
});
