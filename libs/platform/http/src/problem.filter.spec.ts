import { NotFoundException } from '@nestjs/common';
import { RequestError } from '@airlock/domain';
import { toProblem } from './problem.filter';
import { HttpProblem } from './problem';

describe('problem mapping', () => {
  it.each([
    [new RequestError('REQUEST_NOT_FOUND', 'x'), 404, 'REQUEST_NOT_FOUND'],
    [new RequestError('SELF_REVIEW', 'x'), 403, 'SELF_REVIEW'],
    [new RequestError('WRONG_STATE', 'x'), 409, 'WRONG_STATE'],
    [new RequestError('EMPTY_FILE', 'x'), 400, 'EMPTY_FILE'],
    [Object.assign(new Error('no token'), { code: 'TOKEN_MISSING' }), 401, 'TOKEN_MISSING'],
    [Object.assign(new Error('down'), { code: 'SCANNER_UNAVAILABLE' }), 503, 'SCANNER_UNAVAILABLE'],
    [Object.assign(new Error('json'), { status: 400, type: 'entity.parse.failed' }), 400, 'MALFORMED_JSON'],
    [new HttpProblem(413, 'UPLOAD_TOO_LARGE', 'big'), 413, 'UPLOAD_TOO_LARGE'],
    [Object.assign(new Error('event'), { code: 'EVENT_TOO_LARGE' }), 413, 'EVENT_TOO_LARGE'],
    [new NotFoundException(), 404, 'ROUTE_NOT_FOUND'],
    [new Error('boom'), 500, 'INTERNAL_ERROR'],
  ])('maps %s to %i %s', (error, status, code) => {
    expect(toProblem(error)).toMatchObject({ status, code });
  });
  it('keeps the standard members when details carry the same names', () => {
    expect(toProblem(new RequestError('WRONG_STATE', 'x', { status: 'submitted' }))).toMatchObject({ status: 409 });
  });
  it('never leaks an internal error message', () => {
    expect(toProblem(new Error('password=hunter2')).detail).not.toContain('hunter2');
  });
});
