import { isRequestEvent, parseEnvelope } from '@airlock/contracts';
import { AdoptingMigration, SqlMigration, type Db, type MigrationClass } from '@airlock/database';
import type { ReceivedMessage } from '@airlock/messaging';
import type { RequestCommandHandler } from '@airlock/application';
import type { RequestDirection } from '@airlock/domain';
import { Column, Entity, In, PrimaryColumn, type FindOptionsWhere } from 'typeorm';

export class ReviewRequests1764547200301 extends AdoptingMigration {
  readonly legacyId = 'egress-review-001-review-requests';
  readonly sql = `CREATE TABLE IF NOT EXISTS review_requests (
      request_id text PRIMARY KEY,
      project_id text NOT NULL,
      author_id text NOT NULL,
      title text NOT NULL,
      status text NOT NULL,
      turn int NOT NULL,
      version int NOT NULL,
      file_count int NOT NULL,
      verdicts jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS review_requests_status ON review_requests (status, updated_at);`;
}

/**
 * Imports (docs/adr/0012-imports.md): the queue shows which way a request's files travel. Rows
 * written before directions existed are exports, as their requests are. New with imports, so
 * there is no earlier schema to adopt.
 */
export class ReviewRequestsDirection1764547200310 extends SqlMigration {
  readonly sql = `ALTER TABLE review_requests ADD COLUMN direction text NOT NULL DEFAULT 'export' CHECK (direction IN ('export', 'import'))`;
}

export const reviewReadModelMigrations: readonly MigrationClass[] = [ReviewRequests1764547200301, ReviewRequestsDirection1764547200310];

/** One row of the checkers' queue; the table is ReviewRequests1764547200301's, never synchronised from here. */
@Entity('review_requests')
export class ReviewRequestRow {
  @PrimaryColumn({ name: 'request_id', type: 'text' }) requestId!: string;
  @Column({ name: 'project_id', type: 'text' }) projectId!: string;
  @Column({ name: 'author_id', type: 'text' }) authorId!: string;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text' }) direction!: RequestDirection;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'int' }) turn!: number;
  @Column({ type: 'int' }) version!: number;
  @Column({ name: 'file_count', type: 'int' }) fileCount!: number;
  @Column({ type: 'jsonb' }) verdicts!: Record<string, number>;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** What the egress-review data source maps (libs/platform/runtime/src/infra.ts builds it). */
export const reviewReadModelEntities = [ReviewRequestRow];

export type ReviewSummary = {
  requestId: string;
  projectId: string;
  authorId: string;
  title: string;
  direction: RequestDirection;
  status: string;
  turn: number;
  version: number;
  fileCount: number;
  verdicts: Record<string, number>;
  updatedAt: string;
};

/**
 * The checkers' queue. Each request event re-folds the request's stream and upserts the row
 * only if it is newer, so redelivered or reordered messages can never move the model back.
 */
export class ReviewReadModel {
  constructor(
    private readonly db: Db,
    private readonly requests: RequestCommandHandler,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    const envelope = parseEnvelope(message.value);
    if (!isRequestEvent(envelope)) return;
    const { state, version } = await this.requests.current(envelope.subject);
    if (state.status === 'none') return;
    const verdicts: Record<string, number> = {};
    for (const f of state.files) if (f.check) verdicts[f.check.verdict] = (verdicts[f.check.verdict] ?? 0) + 1;
    await this.db.query(
      `INSERT INTO review_requests (request_id, project_id, author_id, title, status, turn, version, file_count, verdicts, direction, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10, now())
       ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, turn = EXCLUDED.turn, version = EXCLUDED.version,
         file_count = EXCLUDED.file_count, verdicts = EXCLUDED.verdicts, updated_at = now()
       WHERE review_requests.version < EXCLUDED.version`,
      [
        state.requestId,
        state.projectId,
        state.authorId,
        state.title,
        state.status,
        state.turn,
        version,
        state.files.length,
        JSON.stringify(verdicts),
        state.direction,
      ],
    );
  }

  async list(status: string | undefined, limit: number, projectIds: readonly string[]): Promise<ReviewSummary[]> {
    // No project in scope, no rows (as `project_id = ANY('{}')` was).
    if (projectIds.length === 0) return [];
    const where: FindOptionsWhere<ReviewRequestRow> = { projectId: In([...projectIds]), ...(status === undefined ? {} : { status }) };
    const rows = await this.db.withRepository(ReviewRequestRow, (repository) => repository.find({ where, order: { updatedAt: 'ASC' }, take: limit }));
    return rows.map((row) => ({
      requestId: row.requestId,
      projectId: row.projectId,
      authorId: row.authorId,
      title: row.title,
      direction: row.direction,
      status: row.status,
      turn: row.turn,
      version: row.version,
      fileCount: row.fileCount,
      verdicts: row.verdicts,
      updatedAt: row.updatedAt.toISOString(),
    }));
  }
}
