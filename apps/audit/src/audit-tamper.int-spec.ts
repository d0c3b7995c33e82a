import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { chainHash, generateSigningKey, signCheckpoint, verifyStoredChain, type ChainLink } from '@airlock/access-log';
import { Topics } from '@airlock/contracts';
import type { DbTx } from '@airlock/database';
import { realStack } from '@airlock/testing';
import { anEnvelope, freshAuditSchema, type AuditSchema } from './audit.test-kit';
import { assertAppendOnlyWriter, createAuditWriterDb } from './audit-writer-db';

// Tampering as a database superuser would: each test on a chain of its own, in a schema of its own.
jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

let audit: AuditSchema;
let links: ChainLink[];

beforeEach(async () => {
  audit = await freshAuditSchema('audit_tamper');
  const log = audit.repository();
  const results = await log.appendBatch(
    Array.from({ length: 10 }, (_, n) => ({ topic: Topics.requestEvents, envelope: anEnvelope({ data: { n: n + 1 } }), recordedAt: new Date().toISOString() })),
  );
  const { rows } = await audit.owner.query<{ position: string; prev_hash: string; record_hash: string; body: string }>(
    'SELECT position, prev_hash, record_hash, body FROM audit_records ORDER BY position',
  );
  links = rows.map((r) => ({ position: Number(r.position), prevHash: r.prev_hash, recordHash: r.record_hash, body: r.body }));
  expect(results).toHaveLength(10);
});

afterEach(async () => {
  await audit?.dispose();
});

/** The append-only triggers stop even a superuser, until they are switched off for the session. */
function asSuperuserBypassingTriggers(change: (tx: DbTx) => Promise<void>): Promise<void> {
  return audit.owner.withTransaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await change(tx);
  });
}

async function renumberFrom(tx: DbTx, position: number, by: number): Promise<void> {
  // Out of the way first: the primary key is checked row by row.
  await tx.query('UPDATE audit_records SET position = position + 1000000 WHERE position >= $1', [position]);
  await tx.query('UPDATE audit_records SET position = position - 1000000 + $1 WHERE position > 1000000', [by]);
}

const verify = () => verifyStoredChain(audit.writer);

describe('tampering with the audit table is detected by verify, which names the record', () => {
  it('an altered record', async () => {
    await asSuperuserBypassingTriggers((tx) =>
      tx.query(`UPDATE audit_records SET body = replace(body, '"n":5', '"n":50') WHERE position = 5`).then(() => undefined),
    );
    expect(await verify()).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'altered' });
  });

  it('an altered record whose hash was recomputed', async () => {
    const body = links[4].body.toString().replace('"n":5', '"n":50');
    await asSuperuserBypassingTriggers((tx) =>
      tx.query('UPDATE audit_records SET body = $1, record_hash = $2 WHERE position = 5', [body, chainHash(5, links[4].prevHash, body)]).then(() => undefined),
    );
    expect(await verify()).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'altered' });
  });

  it('a deleted record', async () => {
    await asSuperuserBypassingTriggers((tx) => tx.query('DELETE FROM audit_records WHERE position = 5').then(() => undefined));
    expect(await verify()).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'deleted' });
  });

  it('a deleted record, the gap closed by renumbering', async () => {
    await asSuperuserBypassingTriggers(async (tx) => {
      await tx.query('DELETE FROM audit_records WHERE position = 5');
      await renumberFrom(tx, 6, -1);
    });
    expect(await verify()).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'deleted' });
  });

  it('an inserted record, forged to link to its predecessor', async () => {
    const original = links[4].body.toString();
    const body = original.replace('"n":5', '"n":42').replace(/"id":"[0-9a-f-]{36}"/, '"id":"forged-event"');
    await asSuperuserBypassingTriggers(async (tx) => {
      await renumberFrom(tx, 5, 1);
      await tx.query('INSERT INTO audit_records (position, prev_hash, record_hash, body) VALUES (5, $1, $2, $3)', [
        links[3].recordHash,
        chainHash(5, links[3].recordHash, body),
        body,
      ]);
    });
    expect(await verify()).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'inserted' });
  });

  it('two records swapped', async () => {
    await asSuperuserBypassingTriggers(async (tx) => {
      await tx.query('UPDATE audit_records SET position = 1000005 WHERE position = 5');
      await tx.query('UPDATE audit_records SET position = 5 WHERE position = 6');
      await tx.query('UPDATE audit_records SET position = 6 WHERE position = 1000005');
    });
    expect(await verify()).toMatchObject({ valid: false, firstInvalidPosition: 5, kind: 'reordered' });
  });

  it('the whole chain recomputed after an edit, caught by a signed checkpoint', async () => {
    const { key } = generateSigningKey();
    const checkpoint = signCheckpoint(key, { position: 10, headHash: links[9].recordHash }, new Date().toISOString());
    await audit.repository().saveCheckpoint(checkpoint, key.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await asSuperuserBypassingTriggers(async (tx) => {
      let prev = links[2].recordHash;
      for (const link of links.slice(3)) {
        const body = link.position === 4 ? link.body.toString().replace('"n":4', '"n":40') : link.body.toString();
        const hash = chainHash(link.position, prev, body);
        await tx.query('UPDATE audit_records SET body = $1, prev_hash = $2, record_hash = $3 WHERE position = $4', [body, prev, hash, link.position]);
        prev = hash;
      }
    });
    expect(await verifyStoredChain(audit.writer, { trustedKeys: [key.publicKey] })).toMatchObject({
      valid: false,
      firstInvalidPosition: 10,
      kind: 'rewritten',
    });
  });

  it('and `npx airlock-audit verify` says the same, with a failing exit status', async () => {
    await asSuperuserBypassingTriggers((tx) => tx.query('DELETE FROM audit_records WHERE position = 7').then(() => undefined));
    const failed = await run('npx', ['airlock-audit', 'verify', '--schema', audit.schema, '--from', '3'], {
      cwd: ROOT,
      env: { ...process.env, AIRLOCK_DATABASE_URL: realStack().databaseUrl },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect(JSON.parse((failed as { stdout: string }).stdout)).toMatchObject({ valid: false, firstInvalidPosition: 7, kind: 'deleted' });
    expect((failed as { stderr: string }).stderr).toContain('record 7 deleted');
  });

  it('a range that ends before the damage verifies', async () => {
    await asSuperuserBypassingTriggers((tx) => tx.query('DELETE FROM audit_records WHERE position = 9').then(() => undefined));
    expect(await verifyStoredChain(audit.writer, { from: 2, to: 8 })).toMatchObject({ valid: true, count: 7, firstPosition: 2, lastPosition: 8 });
  });
});

describe('the database itself refuses changes to the audit log', () => {
  it.each([
    ['UPDATE', `UPDATE audit_records SET body = '{}' WHERE position = 1`],
    ['DELETE', 'DELETE FROM audit_records WHERE position = 1'],
    ['TRUNCATE', 'TRUNCATE audit_records'],
    ['UPDATE of a checkpoint', `UPDATE audit_checkpoints SET signature = 'x'`],
    ['DELETE of a checkpoint', 'DELETE FROM audit_checkpoints'],
  ])("%s by the service's role: permission denied", async (_, sql) => {
    await expect(audit.writer.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/permission denied/) });
  });

  it.each([
    ['UPDATE', `UPDATE audit_records SET body = '{}' WHERE position = 1`],
    ['DELETE', 'DELETE FROM audit_records WHERE position = 1'],
    ['TRUNCATE', 'TRUNCATE audit_records'],
  ])('%s by the owner, a superuser: refused by the append-only trigger', async (_, sql) => {
    await expect(audit.owner.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/append-only/) });
  });

  it("the service's connections really act as the writer role", async () => {
    const { rows } = await audit.writer.query<{ current_user: string }>('SELECT current_user');
    expect(rows[0].current_user).toBe('airlock_audit_writer');
    expect(await verify()).toMatchObject({ valid: true, count: 10 });
  });
});

describe('the writer pool', () => {
  it('passes the boot check, and keeps its role even when the URL carries options', async () => {
    await expect(assertAppendOnlyWriter(audit.writer, 'airlock_audit_writer')).resolves.toBeUndefined();
    const url = new URL(realStack().databaseUrl);
    url.searchParams.set('options', `-c search_path=${audit.schema}`);
    const db = createAuditWriterDb({ url: url.toString(), role: 'airlock_audit_writer' });
    try {
      const { rows } = await db.query<{ current_user: string; search_path: string }>("SELECT current_user, current_setting('search_path') AS search_path");
      expect(rows[0]).toEqual({ current_user: 'airlock_audit_writer', search_path: audit.schema });
    } finally {
      await db.close();
    }
  });

  it('refuses to start as a role that could change the log', async () => {
    await expect(assertAppendOnlyWriter(audit.owner, 'airlock')).rejects.toThrow(/refusing to start/);
  });
});
