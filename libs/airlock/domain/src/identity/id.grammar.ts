// One grammar for every id a person or a client can name: project, user, request, file, group.
// 1-64 characters: ASCII letters, digits, '.', '_', '-', '@'; the first is a letter or a digit.
// It takes what identity providers issue as subjects (UUIDs, Keycloak ids, e-mail-like names)
// and refuses what has no business in an id: blanks, slashes, control and non-ASCII characters,
// and a leading '_' or '.' (`__proto__`, hidden-file names). Ids such as `constructor` or
// `toString` stay valid: they are ordinary ids, so nothing may look them up on an object's
// prototype (the domain keeps ids in Maps and arrays, never as plain-object keys).
export const ID_MAX_LENGTH = 64;
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const ID = new RegExp(ID_PATTERN);

export type IdField = 'projectId' | 'userId' | 'requestId' | 'fileId' | 'group' | 'linkId';

export const ID_RULE = `1-${ID_MAX_LENGTH} letters, digits, '.', '_', '-' or '@', starting with a letter or a digit`;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}

/** The first field whose value breaks the grammar, or undefined when all hold. */
export function invalidIdField(ids: Partial<Record<IdField, unknown>>): IdField | undefined {
  return (Object.keys(ids) as IdField[]).find((field) => !isValidId(ids[field]));
}
