import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '@airlock/contracts';
import { BusEventPattern, type ReceivedMessage } from '@airlock/messaging';
import { REJECTION_EVENT_TYPES, RejectionWorker } from './rejection.worker';
import { RELEASE_RECORD_EVENT_TYPES, ReleaseRecordWriter } from './release-record.writer';
import { RELEASE_EVENT_TYPES, ReleaseWorker } from './release.worker';
import { ReviewReadModel } from './review-read-model';
import { REVOCATION_EVENT_TYPES, RevocationWorker } from './revocation.worker';

/** One consumer group per job, each with its own offsets and idempotency records. */
export const EgressReviewGroups = {
  readModel: 'airlock.egress-review.read-model',
  release: 'airlock.egress-review.release',
  rejection: 'airlock.egress-review.rejection',
  revocation: 'airlock.egress-review.revocation',
  releaseRecord: 'airlock.egress-review.release-record',
} as const;

// From the beginning: a new group works through every request event still on the topic. A group
// that names the types it acts on is handed no others (the read model follows every event).
const OnRequestEvents = (group: string, eventTypes?: readonly string[]) =>
  BusEventPattern({ group, topics: [Topics.requestEvents], fromBeginning: true, ...(eventTypes && { eventTypes }) });

/** The egress-review consumers of request events; the workers do the work. Subscribed in this order. */
@Controller()
export class RequestEvents {
  constructor(
    @Inject(ReviewReadModel) private readonly readModel: ReviewReadModel,
    @Inject(ReleaseWorker) private readonly release: ReleaseWorker,
    @Inject(RejectionWorker) private readonly rejection: RejectionWorker,
    @Inject(RevocationWorker) private readonly revocation: RevocationWorker,
    @Inject(ReleaseRecordWriter) private readonly releaseRecords: ReleaseRecordWriter,
  ) {}

  @OnRequestEvents(EgressReviewGroups.readModel)
  toReadModel(@Payload() message: ReceivedMessage): Promise<void> {
    return this.readModel.onMessage(message);
  }

  @OnRequestEvents(EgressReviewGroups.release, RELEASE_EVENT_TYPES)
  toRelease(@Payload() message: ReceivedMessage): Promise<void> {
    return this.release.onMessage(message);
  }

  @OnRequestEvents(EgressReviewGroups.rejection, REJECTION_EVENT_TYPES)
  toRejection(@Payload() message: ReceivedMessage): Promise<void> {
    return this.rejection.onMessage(message);
  }

  @OnRequestEvents(EgressReviewGroups.revocation, REVOCATION_EVENT_TYPES)
  toRevocation(@Payload() message: ReceivedMessage): Promise<void> {
    return this.revocation.onMessage(message);
  }

  @OnRequestEvents(EgressReviewGroups.releaseRecord, RELEASE_RECORD_EVENT_TYPES)
  toReleaseRecord(@Payload() message: ReceivedMessage): Promise<void> {
    return this.releaseRecords.onMessage(message);
  }
}

export type EgressReviewWorkers = {
  readModel: ReviewReadModel;
  release: ReleaseWorker;
  rejection: RejectionWorker;
  revocation: RevocationWorker;
  releaseRecords: ReleaseRecordWriter;
};

/** Served by MessageBusTransport (a microservice of the service's Nest application). */
@Module({})
export class EgressReviewEventsModule {
  static forRoot(workers: EgressReviewWorkers): DynamicModule {
    return {
      module: EgressReviewEventsModule,
      controllers: [RequestEvents],
      providers: [
        { provide: ReviewReadModel, useValue: workers.readModel },
        { provide: ReleaseWorker, useValue: workers.release },
        { provide: RejectionWorker, useValue: workers.rejection },
        { provide: RevocationWorker, useValue: workers.revocation },
        { provide: ReleaseRecordWriter, useValue: workers.releaseRecords },
      ],
    };
  }
}
