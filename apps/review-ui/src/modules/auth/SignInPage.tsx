import { useState, type FormEvent } from 'react';
import { ThemeToggle } from '../../ui/ThemeToggle';
import { useAuth } from './useAuth';

export function SignInPage({ message }: { message: string | null }) {
  const { signIn } = useAuth();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const err = await signIn(token);
    setBusy(false);
    if (err) setError(err);
  };

  return (
    <main className="signin">
      <div className="signin-tools">
        <ThemeToggle />
      </div>
      <form className="card signin-card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          IntelliOptics
        </div>
        <h1 id="signin-title">Sign in to review</h1>
        <p className="muted">
          Paste your API token. An admin creates one for you (GraphQL <code>createApiToken</code>); on a fresh
          install, the admin token is the cloud&apos;s <code>IO_BOOTSTRAP_TOKEN</code>.
        </p>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="io_…"
        />
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : message ? (
          <p className="muted" role="status">
            {message}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">The token stays in this browser (localStorage) until you sign out.</p>
      </form>
    </main>
  );
}
