import { Controller, Inject, Module, type DynamicModule, type Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { BusEventPattern, type ReceivedMessage } from '@airlock/messaging';
import type { AuditConfig } from './audit.config';
import { AuditWorker } from './audit.worker';

/**
 * The consumer group that appends every audited message to the chain. Its group and topics are
 * configuration (AIRLOCK_AUDIT_GROUP_ID, AIRLOCK_AUDIT_TOPICS), so the handler class is made for them.
 */
export function auditEventsController({ groupId, topics }: AuditConfig['consumer']): Type<unknown> {
  @Controller()
  class AuditEvents {
    constructor(@Inject(AuditWorker) private readonly worker: AuditWorker) {}

    // From the beginning: a new audit log records every event still on its topics.
    @BusEventPattern({ group: groupId, topics, fromBeginning: true })
    onAuditedEvent(@Payload() message: ReceivedMessage): Promise<void> {
      return this.worker.onMessage(message);
    }
  }
  return AuditEvents;
}

/** Served by MessageBusTransport (a microservice of the audit service's Nest application). */
@Module({})
export class AuditEventsModule {
  static forRoot(worker: AuditWorker, consumer: AuditConfig['consumer']): DynamicModule {
    return { module: AuditEventsModule, controllers: [auditEventsController(consumer)], providers: [{ provide: AuditWorker, useValue: worker }] };
  }
}
