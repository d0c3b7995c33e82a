import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type {
  CheckVerdict,
  CommentVisibility,
  FileKind,
  ImportKind,
  ReleaseDestination,
  RequestAction,
  RequestDirection,
  RequestStatus,
  VoteDecision,
} from '@airlock/domain';

// Schemas of the request view both HTTP APIs answer with (libs/airlock/application/src/request.view.ts).
// Each enum is listed from a Record over the domain's union, so a new member fails the build here.
const keys = <T extends string>(record: Record<T, true>) => Object.keys(record) as T[];

export const REQUEST_STATUSES = keys<RequestStatus>({
  draft: true,
  submitted: true,
  checking: true,
  awaiting_review: true,
  changes_requested: true,
  approved: true,
  released: true,
  rejected: true,
  withdrawn: true,
  blocked: true,
  failed: true,
  revoked: true,
});
export const REQUEST_ACTIONS = keys<RequestAction>({
  view: true,
  define_group: true,
  upload_file: true,
  remove_file: true,
  submit: true,
  withdraw: true,
  request_exception: true,
  comment: true,
  review: true,
  download: true,
  revoke: true,
});
export const FILE_KINDS = keys<FileKind>({ output: true, supporting: true, code: true });
export const VOTE_DECISIONS = keys<VoteDecision>({ approve: true, request_changes: true, reject: true });
export const COMMENT_VISIBILITIES = keys<CommentVisibility>({ private: true, public: true });
export const CHECK_VERDICTS = keys<CheckVerdict>({ pass: true, fail: true, review: true });

const SHA256 = { type: 'string', pattern: '^[0-9a-f]{64}$', example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } as const;
const TIMESTAMP = { type: 'string', format: 'date-time' } as const;

@ApiSchema({ name: 'Group', description: 'A named group of files with the context and disclosure controls a checker needs.' })
export class GroupSchema {
  @ApiProperty() group!: string;
  @ApiProperty() context!: string;
  @ApiProperty() controls!: string;
}

@ApiSchema({ name: 'Comment' })
export class CommentSchema {
  @ApiProperty() text!: string;
  @ApiProperty({ enum: COMMENT_VISIBILITIES, enumName: 'CommentVisibility', description: 'private: checkers only; public: the researcher sees it too' })
  visibility!: CommentVisibility;
}

@ApiSchema({ name: 'CommentRecord' })
export class CommentRecordSchema {
  @ApiPropertyOptional({ description: 'Set when the comment is about one file' }) fileId?: string;
  @ApiProperty({ description: 'Who wrote it; researchers see checkers only as "Checker 1", "Checker 2", ... (numbered by first act on the request)' })
  authorId!: string;
  @ApiProperty({ type: () => CommentSchema }) comment!: CommentSchema;
  @ApiProperty({ type: 'integer' }) turn!: number;
  @ApiProperty(TIMESTAMP) addedAt!: string;
}

@ApiSchema({ name: 'ScanOutcome', description: 'The malware scan of the frozen bytes.' })
export class ScanOutcomeSchema {
  @ApiProperty({ enum: ['clean', 'infected', 'not_scanned'] }) status!: string;
  @ApiPropertyOptional({ description: 'clean or infected: the scanning engine' }) engine?: string;
  @ApiPropertyOptional({ description: 'infected: the signature found' }) signature?: string;
  @ApiPropertyOptional({ description: 'not_scanned: why' }) reason?: string;
}

@ApiSchema({ name: 'FindingCell', description: 'Where a disclosive cell is; never its value.' })
export class FindingCellSchema {
  @ApiProperty({ type: 'integer' }) row!: number;
  @ApiProperty({ type: 'integer' }) column!: number;
  @ApiPropertyOptional() rowLabel?: string;
  @ApiPropertyOptional() columnLabel?: string;
}

@ApiSchema({ name: 'Finding' })
export class FindingSchema {
  @ApiProperty({ example: 'threshold' }) rule!: string;
  @ApiProperty({ enum: CHECK_VERDICTS, enumName: 'CheckVerdict' }) verdict!: CheckVerdict;
  @ApiProperty({ type: () => FindingCellSchema, isArray: true }) cells!: FindingCellSchema[];
  @ApiProperty() message!: string;
}

@ApiSchema({ name: 'DisclosureCheck', description: 'The automated disclosure check of one file.' })
export class DisclosureCheckSchema {
  @ApiProperty({ enum: CHECK_VERDICTS, enumName: 'CheckVerdict' }) verdict!: CheckVerdict;
  @ApiProperty({ example: 'text/csv' }) fileType!: string;
  @ApiProperty({ type: () => FindingSchema, isArray: true }) findings!: FindingSchema[];
  @ApiProperty() rulesVersion!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Thresholds the rules applied' }) policy!: Record<string, unknown>;
}

@ApiSchema({ name: 'ExceptionRequest' })
export class ExceptionRequestSchema {
  @ApiProperty() rule!: string;
  @ApiProperty() justification!: string;
  @ApiProperty({ type: 'integer' }) turn!: number;
  @ApiProperty(TIMESTAMP) requestedAt!: string;
}

@ApiSchema({ name: 'Vote', description: "A checker's vote. Other checkers' votes stay hidden until the review is decided." })
export class VoteSchema {
  @ApiProperty() checkerId!: string;
  @ApiProperty(SHA256) sha256!: string;
  @ApiProperty({ enum: VOTE_DECISIONS, enumName: 'VoteDecision' }) decision!: VoteDecision;
  @ApiProperty({ type: 'integer' }) turn!: number;
  @ApiPropertyOptional({ type: () => CommentSchema }) comment?: CommentSchema;
  @ApiPropertyOptional() overrideJustification?: string;
  @ApiPropertyOptional({ description: 'An approval carried over from an earlier turn for unchanged bytes' }) carried?: boolean;
  @ApiProperty(TIMESTAMP) castAt!: string;
}

@ApiSchema({ name: 'Feedback', description: "A checker's public comment, shown to the researcher once the review is decided, without who wrote it." })
export class FeedbackSchema {
  @ApiProperty() text!: string;
  @ApiProperty({ type: 'integer' }) turn!: number;
}

export const REQUEST_DIRECTION_VALUES = keys<RequestDirection>({ export: true, import: true });
export const RELEASE_DESTINATIONS = keys<ReleaseDestination>({ released: true, imported: true });
export const IMPORT_KIND_VALUES = keys<ImportKind>({ code: true, packages: true, data: true, documents: true });

@ApiSchema({ name: 'ImportClassification', description: "Imports only: what the file's name and first bytes show it to be." })
export class ImportClassificationSchema {
  @ApiProperty({ enum: [...IMPORT_KIND_VALUES, 'unrecognised'], description: 'unrecognised files never come in' }) kind!: ImportKind | 'unrecognised';
  @ApiProperty({ example: 'text/csv' }) mediaType!: string;
  @ApiPropertyOptional() reason?: string;
}

@ApiSchema({ name: 'ImportPolicy', description: "A project's import policy, recorded at submission. The malware scan always runs." })
export class ImportPolicySchema {
  @ApiProperty({ enum: IMPORT_KIND_VALUES, enumName: 'ImportKind', isArray: true, description: 'The kinds that may come in' }) allowedKinds!: ImportKind[];
  @ApiProperty({ description: 'Whether the statistical disclosure checks run (off by default for imports)' }) disclosureChecks!: boolean;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10, description: 'Checkers who must approve (1 by default)' }) requiredApprovals!: number;
}

@ApiSchema({ name: 'FileView' })
export class FileViewSchema {
  @ApiProperty({ format: 'uuid' }) fileId!: string;
  @ApiProperty({ description: 'Unicode NFC' }) name!: string;
  @ApiPropertyOptional({
    example: 'U+0064 U+0430 U+0074 U+0061',
    description: "Checkers only: the name's code points, so look-alike names (Cyrillic а, Latin a) are told apart",
  })
  nameCodePoints?: string;
  @ApiProperty() group!: string;
  @ApiProperty({ enum: FILE_KINDS, enumName: 'FileKind', description: 'supporting files are never released' }) kind!: FileKind;
  @ApiProperty({ ...SHA256, description: 'SHA-256 of the bytes as uploaded; frozen at submission' }) sha256!: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) size!: number;
  @ApiPropertyOptional({ type: () => ImportClassificationSchema }) content?: ImportClassificationSchema;
  @ApiPropertyOptional({ type: () => ScanOutcomeSchema }) scan?: ScanOutcomeSchema;
  @ApiPropertyOptional({ type: () => DisclosureCheckSchema }) check?: DisclosureCheckSchema;
  @ApiProperty({ type: () => ExceptionRequestSchema, isArray: true }) exceptions!: ExceptionRequestSchema[];
  @ApiProperty({
    type: 'integer',
    description: "Approvals of the current bytes; while the turn is open only the caller's own and those carried from an earlier turn",
  })
  approvals!: number;
  @ApiPropertyOptional({ type: () => VoteSchema, isArray: true, description: 'Checkers only (egress-review)' }) votes?: VoteSchema[];
  @ApiPropertyOptional({ type: () => FeedbackSchema, isArray: true, description: 'Researchers only (ingress)' }) feedback?: FeedbackSchema[];
  @ApiProperty() released!: boolean;
  @ApiProperty() blocked!: boolean;
}

@ApiSchema({ name: 'ApprovalPolicy' })
export class ApprovalPolicySchema {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10, description: 'Distinct accredited checkers, none the author or a project member' })
  requiredApprovals!: number;
  @ApiProperty({ description: 'One more approval for files whose automated verdict is `review`' }) extraApprovalForReview!: boolean;
  @ApiProperty({ enum: FILE_KINDS, enumName: 'FileKind', isArray: true, description: 'One more approval for these kinds' }) extraApprovalForKinds!: FileKind[];
}

@ApiSchema({ name: 'TurnFile' })
export class TurnFileSchema {
  @ApiProperty({ format: 'uuid' }) fileId!: string;
  @ApiProperty() name!: string;
  @ApiProperty(SHA256) sha256!: string;
}

@ApiSchema({ name: 'Turn', description: 'An earlier turn of the request (before a resubmission).' })
export class TurnSchema {
  @ApiProperty({ type: 'integer' }) turn!: number;
  @ApiPropertyOptional({ enum: REQUEST_STATUSES, enumName: 'RequestStatus' }) outcome?: RequestStatus;
  @ApiProperty({ type: () => TurnFileSchema, isArray: true }) files!: TurnFileSchema[];
}

@ApiSchema({ name: 'RequestView', description: 'An egress request as the caller may see it, with the actions the caller may take now.' })
export class RequestViewSchema {
  @ApiProperty({ format: 'uuid' }) requestId!: string;
  @ApiProperty() projectId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() authorId!: string;
  @ApiProperty({
    enum: REQUEST_DIRECTION_VALUES,
    enumName: 'RequestDirection',
    description: 'export: outputs leaving the TRE; import: files coming into it. Requests from before directions existed are exports.',
  })
  direction!: RequestDirection;
  @ApiProperty({ enum: RELEASE_DESTINATIONS, enumName: 'ReleaseDestination', description: 'The bucket approved files go to' })
  destination!: ReleaseDestination;
  @ApiProperty({ enum: REQUEST_STATUSES, enumName: 'RequestStatus' }) status!: RequestStatus;
  @ApiProperty({ type: 'integer', description: '0 in the first draft; each submission starts a new turn' }) turn!: number;
  @ApiProperty(TIMESTAMP) createdAt!: string;
  @ApiPropertyOptional({ description: 'Why the request was blocked, failed or revoked' }) reason?: string;
  @ApiPropertyOptional({
    type: 'integer',
    description:
      "Stream version of the request, also its ETag. Absent from a checker's view (blinded review: it counts the other checkers' votes); their ETag is opaque.",
  })
  version?: number;
  @ApiProperty({ type: () => GroupSchema, isArray: true }) groups!: GroupSchema[];
  @ApiProperty({ type: () => FileViewSchema, isArray: true }) files!: FileViewSchema[];
  @ApiProperty({
    type: () => CommentRecordSchema,
    isArray: true,
    description: "Researchers see public comments only; while the turn is open a checker sees no other checker's comments of it",
  })
  comments!: CommentRecordSchema[];
  @ApiPropertyOptional({ type: () => ApprovalPolicySchema, description: 'The policy recorded at submission' }) policy?: ApprovalPolicySchema;
  @ApiPropertyOptional({ type: () => ImportPolicySchema, description: 'Imports only: the import policy recorded at submission' }) imports?: ImportPolicySchema;
  @ApiProperty({ type: () => TurnSchema, isArray: true }) history!: TurnSchema[];
  @ApiProperty({ enum: REQUEST_ACTIONS, enumName: 'RequestAction', isArray: true, description: 'What the caller may do now' }) actions!: RequestAction[];
}
