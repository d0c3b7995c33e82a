import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '@airlock/contracts';
import { envelopeOf } from '@airlock/application';
import { BusEventPattern, type ReceivedMessage } from '@airlock/messaging';
import { DISCLOSURE_CHECK_EVENT_TYPES, DisclosureCheckWorker } from './disclosure-check.worker';
import { FILE_RELEASED, ReleasedTablesProjector } from './ledger/released-tables.projector';

export const DISCLOSURE_CHECK_GROUP = 'airlock.disclosure-check';
/** The ledger of released tables is written by a consumer group of its own (docs/adr/0010-released-tables-ledger.md). */
export const RELEASED_TABLES_GROUP = 'airlock.disclosure-check.released-tables';

/** The consumer group that scans and checks each submitted turn; the worker does the work. */
@Controller()
export class DisclosureCheckEvents {
  constructor(@Inject(DisclosureCheckWorker) private readonly worker: DisclosureCheckWorker) {}

  @BusEventPattern({ group: DISCLOSURE_CHECK_GROUP, topics: [Topics.requestEvents], fromBeginning: true, eventTypes: DISCLOSURE_CHECK_EVENT_TYPES })
  onRequestEvent(@Payload() message: ReceivedMessage): Promise<void> {
    return this.worker.onMessage(message);
  }
}

/** The consumer group that writes each released table into the ledger the differencing checks read. */
@Controller()
export class ReleasedTablesEvents {
  constructor(@Inject(ReleasedTablesProjector) private readonly projector: ReleasedTablesProjector) {}

  @BusEventPattern({ group: RELEASED_TABLES_GROUP, topics: [Topics.requestEvents], fromBeginning: true, eventTypes: [FILE_RELEASED] })
  onRequestEvent(@Payload() message: ReceivedMessage): Promise<void> {
    return this.projector.project(envelopeOf(message));
  }
}

/** Served by MessageBusTransport (a microservice of the service's Nest application). */
@Module({})
export class DisclosureCheckEventsModule {
  static forRoot(worker: DisclosureCheckWorker, projector: ReleasedTablesProjector): DynamicModule {
    return {
      module: DisclosureCheckEventsModule,
      controllers: [DisclosureCheckEvents, ReleasedTablesEvents],
      providers: [
        { provide: DisclosureCheckWorker, useValue: worker },
        { provide: ReleasedTablesProjector, useValue: projector },
      ],
    };
  }
}
