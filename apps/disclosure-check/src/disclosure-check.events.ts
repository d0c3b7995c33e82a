import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '@airlock/contracts';
import { BusEventPattern, type ReceivedMessage } from '@airlock/messaging';
import { DisclosureCheckWorker } from './disclosure-check.worker';

export const DISCLOSURE_CHECK_GROUP = 'airlock.disclosure-check';

/** The consumer group that scans and checks each submitted turn; the worker does the work. */
@Controller()
export class DisclosureCheckEvents {
  constructor(@Inject(DisclosureCheckWorker) private readonly worker: DisclosureCheckWorker) {}

  @BusEventPattern({ group: DISCLOSURE_CHECK_GROUP, topics: [Topics.requestEvents], fromBeginning: true })
  onRequestEvent(@Payload() message: ReceivedMessage): Promise<void> {
    return this.worker.onMessage(message);
  }
}

/** Served by MessageBusTransport (a microservice of the service's Nest application). */
@Module({})
export class DisclosureCheckEventsModule {
  static forRoot(worker: DisclosureCheckWorker): DynamicModule {
    return { module: DisclosureCheckEventsModule, controllers: [DisclosureCheckEvents], providers: [{ provide: DisclosureCheckWorker, useValue: worker }] };
  }
}
