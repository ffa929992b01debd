import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { IntelliOpticsError } from '@intellioptics/schema';

/** Flushes `em`; a unique-constraint violation becomes ALREADY_EXISTS (409) with `message`. */
export async function flushOrConflict(em: EntityManager, message: () => string): Promise<void> {
  try {
    await em.flush();
  } catch (e) {
    if (e instanceof UniqueConstraintViolationException)
      throw new IntelliOpticsError('ALREADY_EXISTS', message());
    throw e;
  }
}
