/**
 * The retry columns every durable delivery queue of the edge has (the escalation outbox, the alert outbox):
 * one definition, so both queues' due/retry/dead-letter statements read the same columns.
 */
export const DELIVERY_COLUMNS = `state TEXT NOT NULL DEFAULT 'pending',
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT,
     created_at INTEGER NOT NULL,
     finished_at INTEGER`;
