/**
 * The dead-letter list as the edge's admins see it: escalations set aside (refused, conflicting, or failing
 * past the attempt cap), to retry (back in the queue, in their old place) or discard. ADMIN only, checked with
 * the caller's own token against the cloud (TokenService.requireRole).
 */
import { IntelliOpticsError } from '@intellioptics/schema';
import type { TokenService } from '../auth/token.service';
import type { Logger } from '../logger';
import type { DeadLetter, OutboxRepository } from '../store/outbox.repository';

export interface DeadLetterServiceDeps {
  outbox: Pick<OutboxRepository, 'deadLetters' | 'retryDead' | 'discardDead' | 'deadCount'>;
  tokens: Pick<TokenService, 'caller' | 'requireRole'>;
  /** Wakes the outbox worker so a retried item goes at once. */
  wake: () => void;
  log: Logger;
  now?: () => number;
}

export class DeadLetterService {
  constructor(private readonly deps: DeadLetterServiceDeps) {}

  /** Throws UNAUTHENTICATED / FORBIDDEN / CLOUD_UNREACHABLE unless `token` is an admin's. */
  async requireAdmin(token: string | null): Promise<void> {
    const caller = await this.deps.tokens.caller(token ?? undefined);
    await this.deps.tokens.requireRole(caller, ['ADMIN']);
  }

  count(): number {
    return this.deps.outbox.deadCount();
  }

  list(limit: number, offset: number): Promise<DeadLetter[]> {
    return this.deps.outbox.deadLetters(Math.min(Math.max(1, limit), 500), Math.max(0, offset));
  }

  async retry(id: string): Promise<void> {
    if (!(await this.deps.outbox.retryDead(id, this.now()))) throw notFound(id);
    this.deps.log.info({ iqId: id }, 'dead letter retried by an admin');
    this.deps.wake();
  }

  async discard(id: string): Promise<void> {
    if (!(await this.deps.outbox.discardDead(id, this.now()))) throw notFound(id);
    this.deps.log.info({ iqId: id }, 'dead letter discarded by an admin');
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

function notFound(id: string): IntelliOpticsError {
  return new IntelliOpticsError(
    'NOT_FOUND',
    `No dead letter has the id ${JSON.stringify(id.slice(0, 100))}.`,
  );
}
