import { createDb } from '@airlock/database';
import { listParked, replayParked } from '@airlock/event-store';

// `npm run outbox -- list` | `npm run outbox -- replay --by <operator> [eventId ...]`
// Operators' tool for parked outbox rows (invariant 9): list them, and after fixing the cause (a
// topic's max.message.bytes, a broken broker) put them back in line. Each replay is audited.
// An operator's tool reads and writes rows only: the services own the schema (they migrate at start).
// Needs AIRLOCK_DATABASE_URL (and AIRLOCK_DATABASE_SCHEMA for a non-default schema).
async function main(args: string[]): Promise<number> {
  const url = process.env.AIRLOCK_DATABASE_URL;
  if (!url) throw new Error('AIRLOCK_DATABASE_URL is required');
  const db = createDb({ url, max: 1, schema: process.env.AIRLOCK_DATABASE_SCHEMA, applicationName: 'airlock-outbox-cli' });
  try {
    const [command, ...rest] = args;
    if (command === 'list') {
      process.stdout.write(`${JSON.stringify(await listParked(db), null, 2)}\n`);
      return 0;
    }
    if (command === 'replay') {
      const byAt = rest.indexOf('--by');
      const by = byAt >= 0 ? rest[byAt + 1] : undefined;
      if (!by) throw new Error('replay needs --by <operator id>, for the audit record');
      const eventIds = rest.filter((_, i) => i !== byAt && i !== byAt + 1);
      const replayed = await replayParked(db, { by, ...(eventIds.length > 0 ? { eventIds } : {}) });
      process.stdout.write(`${JSON.stringify({ replayed }, null, 2)}\n`);
      return 0;
    }
    process.stderr.write('usage: npm run outbox -- list | replay --by <operator> [eventId ...]\n');
    return 2;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.message ?? error)}\n`);
    process.exit(1);
  },
);
