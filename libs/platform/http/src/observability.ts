import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import pino, { type Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Structured JSON logs, Prometheus metrics and health endpoints: what operators expect of a service.
export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}

export type ReadinessCheck = { name: string; check: () => Promise<boolean> };
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export const METRICS = Symbol('METRICS');

export type ServiceMetrics = {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
};

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'airlock_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'airlock_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      registers: [registry],
    }),
  };
}

@Controller()
export class ObservabilityController {
  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res() response: Response): Promise<void> {
    const results = await Promise.all(this.checks.map(async ({ name, check }) => ({ name, ok: await check().catch(() => false) })));
    const ok = results.every((r) => r.ok);
    response.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: results });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
