import { realStack, uniqueId } from '@airlock/testing';
import { createDb, type Db } from './db';

// `Db.copyIn` (COPY ... FROM STDIN) on the real PostgreSQL: on the pool and inside a transaction,
// all rows or none, and the connection usable again after the server refused the data.

let admin: Db;
let db: Db;
let schema: string;

beforeAll(async () => {
  schema = uniqueId('copy_in').replace(/[^a-z0-9_]/g, '_');
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = createDb({ url: realStack().databaseUrl, max: 1, schema });
  await db.query('CREATE TABLE things (id bigint PRIMARY KEY, name text NOT NULL)');
});

afterAll(async () => {
  await db?.close();
  await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin?.close();
});

const rows = (...lines: string[]) => Buffer.from(lines.map((line) => `${line}\n`).join(''));
const names = async () => (await db.query<{ name: string }>('SELECT name FROM things ORDER BY id')).rows.map((r) => r.name);

describe('copyIn', () => {
  it('copies the rows and answers how many', async () => {
    await expect(db.copyIn('COPY things (id, name) FROM STDIN', rows('1\tone', '2\ttwo, with a tab: \\t'))).resolves.toBe(2);
    expect(await names()).toEqual(['one', 'two, with a tab: \t']);
  });

  it('takes none of the rows when the server refuses one, and the connection serves the next query', async () => {
    const refused = db.copyIn('COPY things (id, name) FROM STDIN', rows('3\tthree', '1\tone again'));
    await expect(refused).rejects.toMatchObject({ code: '23505' });
    expect(await names()).toEqual(['one', 'two, with a tab: \t']);
  });

  it('refuses a COPY the server cannot start, and the data sent with it does not reach the next statement', async () => {
    await expect(db.copyIn('COPY no_such_table FROM STDIN', rows('5\tfive'))).rejects.toMatchObject({ code: '42P01' });
    await expect(db.copyIn('COPY things (id, name) FROM STDIN', rows('5\tfive'))).resolves.toBe(1);
    expect(await names()).toEqual(['one', 'two, with a tab: \t', 'five']);
    await db.query('DELETE FROM things WHERE id = 5');
  });

  it('is part of the transaction it runs in', async () => {
    await expect(
      db.withTransaction(async (tx) => {
        await tx.copyIn('COPY things (id, name) FROM STDIN', rows('4\tfour'));
        expect((await tx.query('SELECT count(*)::int AS n FROM things')).rows).toEqual([{ n: 3 }]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await names()).toEqual(['one', 'two, with a tab: \t']);
  });

  it('refuses a statement that is not COPY FROM STDIN', async () => {
    await expect(db.copyIn('SELECT name FROM things', Buffer.alloc(0))).rejects.toThrow('copyIn runs COPY ... FROM STDIN only');
    await expect(db.copyIn('COPY things TO STDOUT', Buffer.alloc(0))).rejects.toThrow('copyIn runs COPY ... FROM STDIN only');
    expect(await names()).toEqual(['one', 'two, with a tab: \t']);
  });
});
