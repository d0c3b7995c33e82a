import { InMemoryEventStore } from '@airlock/event-store';
import type { Actor } from '@airlock/domain';
import { RequestCommandHandler } from './request-command.handler';

const author: Actor = { userId: 'alice', roles: ['researcher'], accreditedUntil: '2099-01-01T00:00:00.000Z', projectIds: ['p1'] };
const create = (requestId: string) => (_s: unknown, at: string) => ({
  type: 'CreateRequest' as const,
  actor: author,
  at,
  data: { requestId, projectId: 'p1', title: 't' },
});
const group = (name: string) => (_s: unknown, at: string) => ({
  type: 'DefineGroup' as const,
  actor: author,
  at,
  data: { group: name, context: 'c', controls: 'k' },
});

describe('request command handler', () => {
  it('appends with the expected version and returns the new state', async () => {
    const handler = new RequestCommandHandler(new InMemoryEventStore(), '/test');
    const created = await handler.execute('r1', create('r1'));
    expect(created).toMatchObject({ version: 1, state: { status: 'draft' } });
    expect((await handler.execute('r1', group('g'))).version).toBe(2);
  });

  it('refuses a change made against a stale version (If-Match), and applies one made against the current one', async () => {
    const handler = new RequestCommandHandler(new InMemoryEventStore(), '/test');
    await handler.execute('r1', create('r1'));
    await handler.execute('r1', group('a'));
    await expect(handler.execute('r1', group('b'), { expectedVersion: 1 })).rejects.toMatchObject({ code: 'STALE_VERSION', expected: 1, actual: 2 });
    await expect(handler.execute('r1', group('b'), { expectedVersion: 2 })).resolves.toMatchObject({ version: 3 });
  });

  it("refuses a stranger's change with a stale If-Match as NOT_AUTHOR, never a 412 naming the request's version", async () => {
    const handler = new RequestCommandHandler(new InMemoryEventStore(), '/test');
    await handler.execute('r1', create('r1'));
    await handler.execute('r1', group('a'));
    const mallory: Actor = { ...author, userId: 'mallory' };
    const probe = (_s: unknown, at: string) => ({ type: 'Withdraw' as const, actor: mallory, at, data: {} });
    const refused = await handler.execute('r1', probe, { expectedVersion: 0 }).catch((error: Error) => error);
    expect(refused).toMatchObject({ code: 'NOT_AUTHOR' });
    expect((refused as Error).message).not.toMatch(/version/);
  });

  it('decides again on a fresh read when another writer got in first', async () => {
    const store = new InMemoryEventStore();
    const handler = new RequestCommandHandler(store, '/test');
    await handler.execute('r1', create('r1'));
    // Another writer appends between our read and our append: our first append conflicts.
    const appendToStream = store.appendToStream.bind(store);
    let raced = false;
    store.appendToStream = async (...args: Parameters<typeof appendToStream>) => {
      if (!raced) {
        raced = true;
        await appendToStream(
          'request-r1',
          1,
          [
            {
              ...(await store.readStream('request-r1')).events[0],
              id: 'theirs',
              type: 'airlock.request.group-defined.v1',
              data: { requestId: 'r1', group: 'theirs', context: 'c', controls: 'k', definedAt: 't' },
            },
          ],
          args[3],
        );
      }
      return appendToStream(...args);
    };
    const result = await handler.execute('r1', group('ours'));
    expect(result.version).toBe(3);
    const { state } = await handler.load('r1');
    expect(state.status !== 'none' && state.groups.map((g) => g.group).sort()).toEqual(['ours', 'theirs']);
  });
});
