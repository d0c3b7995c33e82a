import { isRequestEvent, parseEnvelope } from '@airlock/contracts';
import type { Db } from '@airlock/database';
import type { ReceivedMessage } from '@airlock/messaging';
import type { RequestCommandHandler } from '@airlock/application';

export const reviewReadModelMigrations = [
  {
    id: 'egress-review-001-review-requests',
    sql: `CREATE TABLE IF NOT EXISTS review_requests (
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
    CREATE INDEX IF NOT EXISTS review_requests_status ON review_requests (status, updated_at);`,
  },
];

export type ReviewSummary = {
  requestId: string; projectId: string; authorId: string; title: string; status: string; turn: number; version: number;
  fileCount: number; verdicts: Record<string, number>; updatedAt: string;
};

/**
 * The checkers' queue. Each request event re-folds the request's stream and upserts the row
 * only if it is newer, so redelivered or reordered messages can never move the model back.
 */
export class ReviewReadModel {
  constructor(private readonly db: Db, private readonly requests: RequestCommandHandler) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    const envelope = parseEnvelope(message.value);
    if (!isRequestEvent(envelope)) return;
    const { state, version } = await this.requests.load(envelope.subject);
    if (state.status === 'none') return;
    const verdicts: Record<string, number> = {};
    for (const f of state.files) if (f.check) verdicts[f.check.verdict] = (verdicts[f.check.verdict] ?? 0) + 1;
    await this.db.query(
      `INSERT INTO review_requests (request_id, project_id, author_id, title, status, turn, version, file_count, verdicts, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9, now())
       ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, turn = EXCLUDED.turn, version = EXCLUDED.version,
         file_count = EXCLUDED.file_count, verdicts = EXCLUDED.verdicts, updated_at = now()
       WHERE review_requests.version < EXCLUDED.version`,
      [state.requestId, state.projectId, state.authorId, state.title, state.status, state.turn, version, state.files.length, JSON.stringify(verdicts)],
    );
  }

  async list(status: string | undefined, limit: number, projectIds: readonly string[]): Promise<ReviewSummary[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM review_requests WHERE ($1::text IS NULL OR status = $1) AND project_id = ANY($3::text[]) ORDER BY updated_at ASC LIMIT $2`,
      [status ?? null, limit, [...projectIds]],
    );
    return rows.map((r) => ({
      requestId: String(r['request_id']), projectId: String(r['project_id']), authorId: String(r['author_id']), title: String(r['title']),
      status: String(r['status']), turn: Number(r['turn']), version: Number(r['version']), fileCount: Number(r['file_count']),
      verdicts: r['verdicts'] as Record<string, number>, updatedAt: new Date(String(r['updated_at'])).toISOString(),
    }));
  }
}
