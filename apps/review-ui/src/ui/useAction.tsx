/**
 * What an admin or reviewer action tells the person who started it: the payload's own error, a transport error,
 * or a short note that it went through. One place for the try/catch every button would otherwise repeat.
 */
import { useCallback, useState } from 'react';
import { describeError } from './States';

/** What to tell the person: null when there is nothing to say. */
export type ActionNote = string | null;

/** The message of a mutation payload that did not go through (`ok: false`), else null. */
export function payloadProblem(
  payload: { ok: boolean; error?: { message: string } | null } | null | undefined,
  fallback: string,
): ActionNote {
  return payload?.ok ? null : (payload?.error?.message ?? fallback);
}

export function useAction(): {
  message: ActionNote;
  run: (action: () => Promise<ActionNote>) => Promise<void>;
} {
  const [message, setMessage] = useState<ActionNote>(null);
  const run = useCallback(async (action: () => Promise<ActionNote>) => {
    setMessage(null);
    try {
      setMessage(await action());
    } catch (err) {
      setMessage(describeError(err));
    }
  }, []);
  return { message, run };
}

/** The action's message beside its button, announced to screen readers. */
export function ActionMessage({ message, tone = 'error' }: { message: ActionNote; tone?: 'error' | 'note' }) {
  if (!message) return null;
  return tone === 'error' ? (
    <span className="field-error" role="alert">
      {message}
    </span>
  ) : (
    <span className="muted small" role="status">
      {message}
    </span>
  );
}
