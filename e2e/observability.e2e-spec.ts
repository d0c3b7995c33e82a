import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Topics } from '@airlock/contracts';
import { KafkaMessageBus, type ReceivedMessage } from '@airlock/messaging';
import { expectEventually, realStack, uniqueId, type AirlockClient, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';

// Traces and metrics, end to end: the four services export spans to an OTLP/HTTP receiver run by
// this test, and one request is followed from upload to release through HTTP and Kafka.
jest.setTimeout(240_000);

const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const SERVICES = ['airlock-ingress', 'airlock-disclosure-check', 'airlock-egress-review', 'airlock-audit'];

/** Prometheus text: each sample line as `name{labels}` → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The metric families a service exports (`# TYPE name kind`). */
async function families(url: string): Promise<Set<string>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
}

/** Sum of the samples of `name` whose labels include `labels` (in any order). */
function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of samples) {
    const [, metric, labelText = ''] = /^([^{]+)(?:\{(.*)\})?$/.exec(series) ?? [];
    if (metric !== name) continue;
    const present = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, wanted]) => present[key] === wanted)) sum += value;
  }
  return sum;
}

const has = (samples: Map<string, number>, name: string, labels: Record<string, string> = {}) =>
  [...samples.keys()].some((series) => series.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => series.includes(`${key}="${value}"`)));

let receiver: OtlpReceiver;
let airlock: AirlockUnderTest;
let project: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  airlock = await startAirlock(3760, {
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' },
    // Four services booting at once on a shared two-core machine can take longer than a minute.
    readyWithinMs: 180_000,
  });
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: ['alice'], checkers: ['chris', 'dana'] });
});

afterAll(async () => {
  await airlock?.stop();
  await receiver?.close();
});

async function untilStatus(client: AirlockClient, id: string, status: string): Promise<RequestView> {
  return expectEventually(
    async () => {
      const request = await client.getRequest(id);
      if (request.status !== status) throw new Error(`request ${id} is ${request.status}, waiting for ${status}`);
      return request;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

describe('one request from upload to release', () => {
  // The researcher's and the checkers' tool carries one trace across all their calls, as a CLI would.
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const traceparent = `00-${traceId}-${clientSpanId}-01`;
  let before: { check: Map<string, number>; review: Map<string, number> };
  let request: RequestView;

  it('is released', async () => {
    before = { check: await scrape(airlock.services['disclosure-check'].url), review: await scrape(airlock.services['egress-review'].url) };
    const researcher = airlock.client.as(await airlock.token('alice', ['researcher'])).withHeaders({ traceparent });
    const checkers = await Promise.all(
      ['chris', 'dana'].map(async (id) => airlock.client.as(await airlock.token(id, ['output_checker'])).withHeaders({ traceparent })),
    );
    const draft = await researcher.createRequest(project, 'traced request');
    await researcher.defineGroup(draft.requestId, 'outputs', 'Admissions by ward', 'Counts below 10 suppressed');
    await researcher.upload(draft.requestId, 'admissions.csv', SAFE_TABLE);
    request = await researcher.submit(draft.requestId);
    const checked = await untilStatus(researcher, request.requestId, 'awaiting_review');
    for (const checker of checkers) await checker.vote(request.requestId, checked.files[0].fileId, 'approve');
    await untilStatus(researcher, request.requestId, 'released');
  });

  it('is one trace spanning ingress, disclosure-check, egress-review and audit, with consistent parent links', async () => {
    const spans = await expectEventually(
      async () => {
        const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
        expect(new Set(inTrace.map((span) => span.service))).toEqual(new Set(SERVICES));
        // The audit consumer has seen the release too, so the trace is complete up to it.
        expect(inTrace.some((span) => span.service === 'airlock-audit' && span.attributes['cloudevents.event_type'] === 'airlock.request.released.v1')).toBe(
          true,
        );
        // A child span is exported when it ends, before its parent does (the S3 PUTs of the release
        // copy end inside the "release copy" span): wait until every parent has arrived too. A span
        // whose parent never arrives keeps this failing until the timeout.
        const ids = new Set(inTrace.map((span) => span.spanId));
        expect(
          inTrace.filter((span) => span.parentSpanId !== clientSpanId && !ids.has(span.parentSpanId)).map((span) => `${span.service} ${span.name}`),
        ).toEqual([]);
        return inTrace;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    const byId = new Map(spans.map((span) => [span.spanId, span]));
    expect(byId.size).toBe(spans.length);
    // Every span hangs from the client's span or from another span of the same trace.
    const orphans = spans.filter((span) => span.parentSpanId !== clientSpanId && !byId.has(span.parentSpanId));
    expect(orphans.map((span) => `${span.service} ${span.name}`)).toEqual([]);
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
    // A service may run several consumer groups on one topic (disclosure-check: the checks and the
    // released-tables ledger), so a consumer span is picked by its group when one is named.
    const consumerOf = (service: string, type: string, group?: string) =>
      spans.find(
        (span) =>
          span.service === service &&
          span.kind === 5 &&
          span.attributes['cloudevents.event_type'] === type &&
          (group === undefined || span.attributes['messaging.consumer.group.name'] === group),
      );

    // submit (ingress HTTP) → its event → disclosure-check consumer → scan and check spans.
    const checks = consumerOf('airlock-disclosure-check', 'airlock.request.submitted.v1', 'airlock.disclosure-check');
    expect(checks).toBeDefined();
    expect(parentOf(checks as ReceivedSpan)).toMatchObject({ service: 'airlock-ingress', kind: 2 });
    for (const name of ['malware scan', 'disclosure check']) {
      expect(spans.find((span) => span.name === name)).toMatchObject({ service: 'airlock-disclosure-check', parentSpanId: checks?.spanId });
    }
    // The events disclosure-check appended carry its consumer span on to egress-review.
    const reviewOpened = consumerOf('airlock-egress-review', 'airlock.request.review-opened.v1');
    expect(reviewOpened).toBeDefined();
    expect(parentOf(reviewOpened as ReceivedSpan)).toMatchObject({ service: 'airlock-disclosure-check', spanId: checks?.spanId });
    // The second vote (egress-review HTTP) approves; the release worker consumes that and copies.
    const release = spans.find((span) => span.name === 'release copy');
    expect(release).toMatchObject({ service: 'airlock-egress-review' });
    const releaseConsumer = parentOf(release as ReceivedSpan) as ReceivedSpan;
    expect(releaseConsumer).toMatchObject({ kind: 5, attributes: expect.objectContaining({ 'cloudevents.event_type': 'airlock.request.approved.v1' }) });
    expect(parentOf(releaseConsumer)).toMatchObject({ service: 'airlock-egress-review', kind: 2, parentSpanId: clientSpanId });
    // Audit continues each event's trace: the release it records hangs from the release consumer.
    const audited = consumerOf('airlock-audit', 'airlock.request.released.v1') as ReceivedSpan;
    expect(parentOf(audited)).toMatchObject({ service: 'airlock-egress-review', spanId: releaseConsumer.spanId });
  });

  it('carries the trace on to the audit topic: the record of the release continues its trace in a traceparent header', async () => {
    const bus = new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('observability-audit-reader') });
    const received: ReceivedMessage[] = [];
    const subscription = await bus.subscribe({
      groupId: uniqueId('observability-audit-reader'),
      topics: [Topics.audit],
      fromBeginning: true,
      handler: async (message) => void received.push(message),
    });
    try {
      const released = await expectEventually(
        async () => {
          const found = received.find((message) => {
            const { event } = (JSON.parse(message.value) as { data?: { event?: { type?: string; subject?: string } } }).data ?? {};
            return event?.type === 'airlock.request.released.v1' && event.subject === request.requestId;
          });
          expect(found).toBeDefined();
          return found as ReceivedMessage;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      // W3C traceparent: 00-<trace id>-<parent span id>-<flags>; the parent is the audit consumer's span.
      const [, tracedId, parentSpanId] = (released.headers?.traceparent ?? '').split('-');
      expect(tracedId).toBe(traceId);
      const auditConsumer = receiver.spans.find((span) => span.spanId === parentSpanId);
      expect(auditConsumer).toMatchObject({
        service: 'airlock-audit',
        kind: 5,
        attributes: expect.objectContaining({ 'cloudevents.event_type': 'airlock.request.released.v1' }),
      });
    } finally {
      await subscription.stop();
      await bus.close();
    }
  });

  it('moves the business metrics', async () => {
    const after = await expectEventually(async () => {
      const check = await scrape(airlock.services['disclosure-check'].url);
      const review = await scrape(airlock.services['egress-review'].url);
      expect(sample(review, 'airlock_requests', { status: 'released' })).toBeGreaterThanOrEqual(1);
      return { check, review };
    });
    expect(
      sample(after.check, 'airlock_scan_duration_seconds_count', { result: 'clean' }) -
        sample(before.check, 'airlock_scan_duration_seconds_count', { result: 'clean' }),
    ).toBe(1);
    expect(sample(after.check, 'airlock_check_duration_seconds_count') - sample(before.check, 'airlock_check_duration_seconds_count')).toBe(1);
    expect(
      sample(after.check, 'airlock_file_verdicts_total', { verdict: 'pass' }) - sample(before.check, 'airlock_file_verdicts_total', { verdict: 'pass' }),
    ).toBe(1);
    expect(sample(after.review, 'airlock_files_released_total') - sample(before.review, 'airlock_files_released_total')).toBe(1);
    expect(sample(after.review, 'airlock_release_copy_duration_seconds_count') - sample(before.review, 'airlock_release_copy_duration_seconds_count')).toBe(1);
    expect(sample(after.review, 'airlock_requests', { status: 'released' }) - sample(before.review, 'airlock_requests', { status: 'released' })).toBe(1);
    // Consumer lag per group, read from the broker; outbox depth and parked rows from the database.
    for (const group of ['airlock.egress-review.release', 'airlock.egress-review.read-model'])
      expect(has(after.review, 'airlock_consumer_lag', { group })).toBe(true);
    expect(has(after.check, 'airlock_consumer_lag', { group: 'airlock.disclosure-check' })).toBe(true);
    expect(has(after.review, 'airlock_outbox_pending_messages')).toBe(true);
    expect(has(after.review, 'airlock_outbox_parked_messages')).toBe(true);
  });

  it('exports every metric the Grafana dashboard queries', async () => {
    const dashboard = JSON.parse(readFileSync(path.resolve(__dirname, '../deploy/grafana/airlock-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const queried = new Set(
      dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => [...target.expr.matchAll(/\b(airlock_\w+|process_\w+)/g)].map((m) => m[1]))),
    );
    const exported = new Set<string>();
    for (const service of Object.values(airlock.services)) (await families(service.url)).forEach((name) => exported.add(name));
    const family = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => !exported.has(name) && !exported.has(family(name)))).toEqual([]);
  });
});
