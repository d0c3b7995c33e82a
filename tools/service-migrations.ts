import { MigrationChecksums1764547200000, type MigrationClass } from '@airlock/database';
import { eventStoreMigrations } from '@airlock/event-store';
import { idempotentConsumerMigrations } from '@airlock/messaging';
import { auditLogMigrations } from '../apps/audit/src/audit-log.migrations';
import { releasedTablesMigrations } from '../apps/disclosure-check/src/ledger/released-tables.migrations';
import { reviewReadModelMigrations } from '../apps/egress-review/src/review-read-model';

// What each service migrates at start: every service runs the platform's (libs/platform/runtime/src/infra.ts),
// audit, egress-review and disclosure-check add their own tables (audit.app.ts, egress-review.app.ts,
// disclosure-check.app.ts).
// runMigrations brings the checksums table's migration to each of them (libs/platform/database/src/migrations.ts).
const platform = [MigrationChecksums1764547200000, ...eventStoreMigrations, ...idempotentConsumerMigrations];

export const SERVICE_MIGRATIONS: Readonly<Record<'ingress' | 'disclosure-check' | 'egress-review' | 'audit', readonly MigrationClass[]>> = {
  ingress: platform,
  'disclosure-check': [...platform, ...releasedTablesMigrations],
  'egress-review': [...platform, ...reviewReadModelMigrations],
  audit: [...platform, ...auditLogMigrations],
};

/** Every migration of every service, once each (TypeORM orders them by their timestamps). */
export const ALL_MIGRATIONS: readonly MigrationClass[] = [...new Set(Object.values(SERVICE_MIGRATIONS).flat())];
