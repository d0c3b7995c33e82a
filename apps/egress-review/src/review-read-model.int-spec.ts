import { createDb, runMigrations, type Db } from '@airlock/database';
import type { RequestCommandHandler } from '@airlock/application';
import { realStack, uniqueId } from '@airlock/testing';
import { ReviewReadModel, reviewReadModelEntities, reviewReadModelMigrations } from './review-read-model';

// The checkers' queue is read through a TypeORM Repository of ReviewRequestRow
// (docs/adr/0007-typeorm-data-sources-and-migrations.md): filters, order and limit as the SQL had them.
const schema = uniqueId('review_queue').replace(/[^a-z0-9_]/g, '_');
let admin: Db;
let db: Db;
let model: ReviewReadModel;

beforeAll(async () => {
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = createDb({ url: realStack().databaseUrl, max: 2, schema, entities: reviewReadModelEntities });
  await runMigrations(db, reviewReadModelMigrations);
  // list() reads the table only; the command handler is what onMessage re-folds with.
  model = new ReviewReadModel(db, {} as RequestCommandHandler);
  const rows: [string, string, string, number][] = [
    ['r-1', 'p-1', 'awaiting_review', 3],
    ['r-2', 'p-2', 'awaiting_review', 1],
    ['r-3', 'p-1', 'released', 2],
    ['r-4', 'p-3', 'awaiting_review', 4],
  ];
  for (const [id, project, status, minutesAgo] of rows) {
    await db.query(
      `INSERT INTO review_requests (request_id, project_id, author_id, title, status, turn, version, file_count, verdicts, updated_at)
       VALUES ($1, $2, 'alice', $3, $4, 1, 5, 2, '{"pass":1,"fail":1}', now() - make_interval(mins => $5))`,
      [id, project, `title ${id}`, status, minutesAgo],
    );
  }
});

afterAll(async () => {
  await db?.close();
  await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin?.close();
});

describe('the review queue read through its entity', () => {
  it('lists the projects in scope, oldest change first, with every field', async () => {
    const items = await model.list(undefined, 10, ['p-1', 'p-2']);
    expect(items.map((i) => i.requestId)).toEqual(['r-1', 'r-3', 'r-2']);
    expect(items[0]).toEqual({
      requestId: 'r-1',
      projectId: 'p-1',
      authorId: 'alice',
      title: 'title r-1',
      // Written without a direction (as before imports existed): an export.
      direction: 'export',
      status: 'awaiting_review',
      turn: 1,
      version: 5,
      fileCount: 2,
      verdicts: { pass: 1, fail: 1 },
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it('filters by status and stops at the limit', async () => {
    expect((await model.list('awaiting_review', 10, ['p-1', 'p-2', 'p-3'])).map((i) => i.requestId)).toEqual(['r-4', 'r-1', 'r-2']);
    expect((await model.list('awaiting_review', 2, ['p-1', 'p-2', 'p-3'])).map((i) => i.requestId)).toEqual(['r-4', 'r-1']);
  });

  it('lists nothing without a project in scope', async () => {
    expect(await model.list(undefined, 10, [])).toEqual([]);
  });
});
