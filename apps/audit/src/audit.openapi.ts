import { applyDecorators } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery } from '@nestjs/swagger';
import { AUTH_PROBLEMS, ApiDocument, ApiProblems, type ProblemCodes } from '@airlock/http';
import { CHECKPOINTS_PAGE, MAX_ID, RECORDS_PAGE } from './audit-query';

// The audit API as OpenAPI describes it: its query parameters with the types and bounds the
// parser in audit-query.ts enforces (issue 9, finding 12), so clients and fuzzers can know them.
export const AUDIT_API = ApiDocument({
  title: 'Airlock audit API',
  description:
    "The auditor's API of Airlock: query, verify and export the hash-chained audit log, and its signed checkpoints. " +
    'Every call is itself recorded in the log. Errors are `application/problem+json` with a stable `code`.',
  version: '1',
});

const POSITION = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const text = (name: string, description: string) =>
  ApiQuery({ name, required: false, description, schema: { type: 'string', minLength: 1, maxLength: MAX_ID } });

/** The filters of records and export (the short names `subject`, `actor`, `project`, `sha256` are accepted as aliases). */
export const AuditFilterQuery = () =>
  applyDecorators(
    text('requestId', 'Events of this request (the envelope subject)'),
    text('userId', 'Events by this user'),
    text('projectId', 'Events of this project, and of its requests'),
    ApiQuery({
      name: 'fileHash',
      required: false,
      description: 'Events naming a file with this SHA-256 (hex)',
      schema: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    }),
    text('type', 'Events of this CloudEvents type, e.g. airlock.request.submitted.v1'),
    ApiQuery({ name: 'since', required: false, description: 'Event time from (inclusive), RFC 3339', schema: { type: 'string', format: 'date-time' } }),
    ApiQuery({ name: 'until', required: false, description: 'Event time until (exclusive), RFC 3339', schema: { type: 'string', format: 'date-time' } }),
    ApiQuery({ name: 'from', required: false, description: 'First chain position (inclusive); not after `to`', schema: POSITION }),
    ApiQuery({ name: 'to', required: false, description: 'Last chain position (inclusive)', schema: POSITION }),
  );

export const RecordsPageQuery = () =>
  applyDecorators(
    ApiQuery({
      name: 'after',
      required: false,
      description: 'Keyset cursor: the `next` of the previous page',
      schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
    }),
    ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: RECORDS_PAGE.maxLimit, default: RECORDS_PAGE.defaultLimit } }),
  );

export const VerifyRangeQuery = () =>
  applyDecorators(
    ApiQuery({
      name: 'from',
      required: false,
      description: 'First position to verify; at most the last position of the chain',
      schema: { ...POSITION, default: 1 },
    }),
    ApiQuery({ name: 'to', required: false, description: 'Last position to verify (default: the end of the chain); not before `from`', schema: POSITION }),
  );

export const ExportFormatQuery = () =>
  ApiQuery({
    name: 'format',
    required: false,
    description: 'JSON Lines with the signed checkpoint, or CEF for a SIEM',
    schema: { type: 'string', enum: ['jsonl', 'cef'], default: 'jsonl' },
  });

export const CheckpointsPageQuery = () =>
  ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: CHECKPOINTS_PAGE.maxLimit, default: CHECKPOINTS_PAGE.defaultLimit },
  });

const AUDITOR: ProblemCodes = { 403: ['ROLE_REQUIRED'] };
const QUERY: ProblemCodes = { 400: ['INVALID_QUERY'] };

export const RecordsDoc = () =>
  applyDecorators(
    ApiOperation({ summary: 'Audit records matching a filter, in chain order (auditors)' }),
    ApiOkResponse({
      description: 'A page of records; `next` is the cursor of the following page, or null',
      schema: { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } }, next: { type: 'integer', nullable: true } } },
    }),
    ApiProblems(AUTH_PROBLEMS, AUDITOR, QUERY),
  );

export const VerifyDoc = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Verify the chain, or a range of it, as stored (auditors)',
      description: 'A range the chain cannot answer is 400; `valid: false` names real tampering only.',
    }),
    ApiOkResponse({
      description: 'The verdict: valid, or the first record altered, deleted, inserted, reordered or rewritten',
      schema: { type: 'object', required: ['valid'], properties: { valid: { type: 'boolean' } } },
    }),
    ApiProblems(AUTH_PROBLEMS, AUDITOR, { 400: ['INVALID_QUERY', 'AUDIT_RANGE_INVALID', 'AUDIT_RANGE_REVERSED', 'AUDIT_RANGE_BEYOND_END'] }),
  );

export const ExportDoc = () =>
  applyDecorators(
    ApiOperation({ summary: 'Export records matching a filter, with the signed checkpoint to verify them offline (auditors)' }),
    ApiProduces('application/x-ndjson', 'text/plain'),
    ApiOkResponse({
      description: 'JSON Lines or CEF, streamed',
      content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/plain': { schema: { type: 'string' } } },
    }),
    ApiProblems(AUTH_PROBLEMS, AUDITOR, QUERY, { 409: ['AUDIT_CHAIN_BROKEN'] }),
  );

export const CheckpointsDoc = () =>
  applyDecorators(
    ApiOperation({ summary: 'The newest signed checkpoints (auditors)' }),
    ApiOkResponse({
      description: 'Checkpoints, newest first, and the id of the key now signing',
      schema: { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } }, keyId: { type: 'string' } } },
    }),
    ApiProblems(AUTH_PROBLEMS, AUDITOR, QUERY),
  );

export const CheckpointNowDoc = () =>
  applyDecorators(
    ApiOperation({ summary: 'Sign the current head now, after verifying the records since the previous checkpoint (auditors)' }),
    ApiCreatedResponse({ description: 'The new checkpoint', schema: { type: 'object' } }),
    ApiProblems(AUTH_PROBLEMS, AUDITOR, { 409: ['AUDIT_CHAIN_BROKEN', 'AUDIT_CHAIN_EMPTY'] }),
  );

export const PublicKeyDoc = () =>
  applyDecorators(
    ApiOperation({ summary: 'The public key that verifies checkpoints and exports (no token needed)' }),
    ApiProduces('application/x-pem-file'),
    ApiOkResponse({ description: 'PEM (SPKI); its id in the x-airlock-key-id header', content: { 'application/x-pem-file': { schema: { type: 'string' } } } }),
  );

export const PublicKeysDoc = () =>
  applyDecorators(
    ApiOperation({ summary: 'Every key that verifies checkpoints: the current one and those retired by a rotation (no token needed)' }),
    ApiOkResponse({
      description: 'The current key id, and each key as PEM (SPKI) with its id and status',
      schema: {
        type: 'object',
        required: ['current', 'keys'],
        properties: {
          current: { type: 'string' },
          keys: {
            type: 'array',
            items: {
              type: 'object',
              required: ['keyId', 'status', 'pem'],
              properties: { keyId: { type: 'string' }, status: { type: 'string', enum: ['current', 'retired'] }, pem: { type: 'string' } },
            },
          },
        },
      },
    }),
  );
