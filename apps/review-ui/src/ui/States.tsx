import type { ReactNode } from 'react';

/** A page or panel that is waiting for data. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>Loading {what}…</span>
    </div>
  );
}

/** Nothing to show yet, with what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <h2>{title}</h2>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

/** Something failed: the message, and a way to try again. */
export function ErrorState({
  title,
  error,
  onRetry,
  children,
}: {
  title: string;
  error?: unknown;
  onRetry?: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="state state-error" role="alert">
      <h2>{title}</h2>
      {error ? <p className="mono">{describeError(error)}</p> : null}
      {children ? <div className="state-body">{children}</div> : null}
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A human sentence for an Apollo/network error, with the server's code when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    if (code === 'UNAUTHENTICATED') return 'Your token is no longer accepted. Sign out and sign in again.';
    if (code === 'FORBIDDEN') return 'Your role does not allow this.';
    if (/Failed to fetch|NetworkError|ECONNREFUSED|fetch failed/i.test(error.message)) {
      return 'The cloud service cannot be reached. Check that cloud-graph is running and try again.';
    }
    return error.message;
  }
  return String(error);
}

/** The `extensions.code` of the first GraphQL error inside an Apollo error, if any. */
export function errorCode(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  // The cloud answers an unknown token with HTTP 401 before GraphQL runs (Apollo's ServerError).
  const status = (error as { statusCode?: unknown }).statusCode;
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    for (const e of errors) {
      const code = (e as { extensions?: { code?: unknown } }).extensions?.code;
      if (typeof code === 'string') return code;
    }
  }
  return null;
}
