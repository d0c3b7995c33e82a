import { wireType } from '@airlock/contracts';
import type { Db } from '@airlock/database';
import type { RequestCommandHandler } from '@airlock/application';
import type { ExistingRequest } from '@airlock/domain';

export type AuthoredRequest = { state: ExistingRequest; version: number };

const MAX_LISTED = 100;

/**
 * "My requests": the streams a person created, newest first, each folded from its own events
 * (the same load every command does), so the list never disagrees with the request page.
 */
export class AuthoredRequests {
  constructor(
    private readonly db: Db,
    private readonly requests: RequestCommandHandler,
  ) {}

  async of(userId: string): Promise<AuthoredRequest[]> {
    const { rows } = await this.db.query<{ request_id: string }>(
      `SELECT envelope->'data'->>'requestId' AS request_id FROM events WHERE type = $1 AND envelope->'data'->>'authorId' = $2 ORDER BY global_position DESC LIMIT ${MAX_LISTED}`,
      [wireType('RequestCreated'), userId],
    );
    const loaded = await Promise.all(rows.map((row) => this.requests.load(row.request_id)));
    return loaded.flatMap(({ state, version }) => (state.status !== 'none' && state.authorId === userId ? [{ state, version }] : []));
  }
}
