import { REGISTRY_EVENT_TYPES, type RegistryEvent, type RegistryEventType } from '@airlock/domain';
import type { EventEnvelope } from './envelope';

// Wire names of registry (safe people) events: `airlock.registry.<kebab-name>.v<version>`.
const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export function registryWireType(type: RegistryEventType): string {
  return `airlock.registry.${kebab(type)}.v1`;
}

const BY_WIRE_TYPE = new Map<string, RegistryEventType>(REGISTRY_EVENT_TYPES.map((t) => [registryWireType(t), t]));

export function toRegistryEvent(envelope: Pick<EventEnvelope, 'type' | 'data'>): RegistryEvent {
  const type = BY_WIRE_TYPE.get(envelope.type);
  if (!type) throw new Error(`Unknown registry event type ${envelope.type}`);
  return { type, data: envelope.data } as RegistryEvent;
}

/** One stream for the whole registry: administrative acts are few, and one order keeps them simple. */
export const REGISTRY_STREAM_ID = 'registry';
