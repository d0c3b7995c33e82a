import { ApiError, type AirlockClient } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// Invariant 9 (no slow poison), at the HTTP edge: every input that lands in an event is bounded and
// refused with a 400 problem+json carrying a stable code. Before the limits, fifty groups with long
// context made one submission event larger than Kafka's message limit, and the relay stalled for all.
jest.setTimeout(180_000);

let airlock: AirlockUnderTest;
let researcher: AirlockClient;
let checker: AirlockClient;
let project: string;

async function problemOf(call: Promise<unknown>): Promise<{ status: number; code: unknown }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return { status: (error as ApiError).status, code: (error as ApiError).body.code };
}

beforeAll(async () => {
  airlock = await startAirlock(3760);
  researcher = airlock.client.as(await airlock.token('alice', ['researcher']));
  checker = airlock.client.as(await airlock.token('chris', ['output_checker']));
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: ['alice'], checkers: ['chris'] });
});

afterAll(async () => {
  await airlock?.stop();
});

describe('input bounds over HTTP', () => {
  it('refuses many groups with long context (what used to make a giant event) with 400 TEXT_TOO_LONG', async () => {
    const { requestId } = await researcher.createRequest(project, 'many groups');
    const long = 'x'.repeat(8_000);
    let refusal: { status: number; code: unknown } | undefined;
    for (let n = 0; n < 50 && !refusal; n += 1) {
      refusal = await researcher.defineGroup(requestId, `g${n}`, long, long).then(
        () => undefined,
        (e: ApiError) => ({ status: e.status, code: e.body.code }),
      );
    }
    expect(refusal).toEqual({ status: 400, code: 'TEXT_TOO_LONG' });
  });

  it('refuses a 51st group with 400 TOO_MANY_GROUPS', async () => {
    const { requestId } = await researcher.createRequest(project, 'fifty-one groups');
    for (let n = 0; n < 50; n += 1) await researcher.defineGroup(requestId, `g${n}`, 'context', 'controls');
    expect(await problemOf(researcher.defineGroup(requestId, 'g50', 'context', 'controls'))).toEqual({ status: 400, code: 'TOO_MANY_GROUPS' });
  });

  it.each([
    ['a context over 8,000 characters', (id: string) => researcher.defineGroup(id, 'g', 'x'.repeat(8_001), 'controls')],
    ['controls over 8,000 characters', (id: string) => researcher.defineGroup(id, 'g', 'context', 'x'.repeat(8_001))],
  ])('refuses %s with 400 TEXT_TOO_LONG', async (_name, call) => {
    const { requestId } = await researcher.createRequest(project, 'long text');
    expect(await problemOf(call(requestId))).toEqual({ status: 400, code: 'TEXT_TOO_LONG' });
  });

  it('refuses a title over 200 characters with 400 TEXT_TOO_LONG', async () => {
    expect(await problemOf(researcher.createRequest(project, 't'.repeat(201)))).toEqual({ status: 400, code: 'TEXT_TOO_LONG' });
  });

  it('refuses a comment over 4,000 characters with 400 TEXT_TOO_LONG', async () => {
    const { requestId } = await researcher.createRequest(project, 'long comment');
    expect(await problemOf(checker.checkerComment(requestId, 'c'.repeat(4_001), 'private'))).toEqual({ status: 400, code: 'TEXT_TOO_LONG' });
  });
});
