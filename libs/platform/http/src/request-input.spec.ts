import { HttpProblem } from './problem';
import { id, optionalId } from './request-input';

// Ids at the HTTP edge: the domain's one grammar, refused with 400 INVALID_ID naming the field.
describe('id', () => {
  it.each(['constructor', 'toString', 'p-1', '3f1c9a52-0b1e-4c57-9a4e-0d1a2b3c4d5e', 'alice@example.org'])('accepts %p', (value) => {
    expect(id(value, 'projectId')).toBe(value);
  });

  it.each([
    ['__proto__', 'projectId'],
    ['', 'userId'],
    ['a b', 'group'],
    ['../x', 'fileId'],
    [42, 'projectId'],
    [null, 'projectId'],
    ['x'.repeat(65), 'userId'],
  ] as const)('refuses %p as %s with 400 INVALID_ID naming the field', (value, field) => {
    const refusal = (() => {
      try {
        id(value, field);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(HttpProblem);
    expect(refusal).toMatchObject({ status: 400, code: 'INVALID_ID', extensions: { field } });
  });

  it('reads an optional id from a body by own property only', () => {
    expect(optionalId({}, 'fileId')).toBeUndefined();
    expect(optionalId({ fileId: null }, 'fileId')).toBeUndefined();
    expect(optionalId({ fileId: 'f-1' }, 'fileId')).toBe('f-1');
    expect(() => optionalId({ fileId: '__proto__' }, 'fileId')).toThrow(HttpProblem);
  });
});
