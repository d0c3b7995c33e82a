import { fold, type Actor, type ExistingRequest, type RequestEvent } from '@airlock/domain';
import { requestView } from './request.view';

const AT = '2026-11-28T12:00:00.000Z';
const checker: Actor = { userId: 'chris', roles: ['output_checker'], accreditedUntil: '2099-01-01T00:00:00.000Z', projectIds: [], checksProjectIds: ['p1'] };
// "dаta.csv" with a Cyrillic а (U+0430): drawn exactly like "data.csv".
const LOOK_ALIKE = 'd\u0430ta.csv';

function requestWithFile(name: string): ExistingRequest {
  const events: RequestEvent[] = [
    { type: 'RequestCreated', data: { requestId: 'r1', projectId: 'p1', title: 't', authorId: 'alice', createdAt: AT } },
    { type: 'GroupDefined', data: { requestId: 'r1', group: 'g', context: 'c', controls: 'k', definedAt: AT } },
    { type: 'FileUploaded', data: { requestId: 'r1', fileId: 'f1', name, group: 'g', kind: 'output', sha256: 'a'.repeat(64), size: 3, draftKey: 'd/f1', uploadedAt: AT } },
  ];
  return fold(events) as ExistingRequest;
}

describe('request view', () => {
  it("shows checkers each file name's code points, so a look-alike name cannot pass as another", () => {
    const view = requestView(requestWithFile(LOOK_ALIKE), 3, checker, 'checker', AT);
    expect(view.files[0]).toMatchObject({ name: LOOK_ALIKE, nameCodePoints: 'U+0064 U+0430 U+0074 U+0061 U+002E U+0063 U+0073 U+0076' });
  });
});
