/**
 * Who is signed in. Holds the API token (localStorage), one Apollo client per token, and the `me` of that
 * token; `signIn` validates a pasted token with the `me` query before keeping it.
 */
import { createContext, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApolloProvider } from '@apollo/client/react';
import { createApiClient, type ApiClient, type ConnectionState } from '../../apollo/client';
import { MeDocument, type MeQuery } from '../../gql/graphql';
import { describeError, errorCode } from '../../ui/States';
import { asUiRole, type Role } from './roles';
import { readToken, writeToken } from './token-store';

export type Me = MeQuery['me'] & { uiRole: Role };

export type AuthState =
  | { status: 'signedOut'; message: string | null }
  | { status: 'checking' }
  | { status: 'signedIn'; me: Me; token: string; client: ApiClient }
  | { status: 'unreachable'; message: string };

export interface AuthContextValue {
  state: AuthState;
  connection: ConnectionState;
  signIn: (token: string) => Promise<string | null>;
  signOut: () => void;
  retry: () => void;
}

export const AuthContext = createContext<AuthContextValue | null>(null);

type Checked = { ok: true; me: Me; client: ApiClient } | { ok: false; message: string; unreachable: boolean };

async function check(token: string, onConnection: (s: ConnectionState) => void): Promise<Checked> {
  const client = createApiClient(token, onConnection);
  try {
    const { data } = await client.apollo.query({ query: MeDocument, fetchPolicy: 'network-only' });
    const me = data?.me;
    const uiRole = me ? asUiRole(me.role) : null;
    if (!me || !uiRole) {
      client.dispose();
      return {
        ok: false,
        unreachable: false,
        message: 'This is a hub token. Sign in with the API token of a person (ADMIN or REVIEWER).',
      };
    }
    return { ok: true, me: { ...me, uiRole }, client };
  } catch (e) {
    client.dispose();
    const code = errorCode(e);
    if (code === 'UNAUTHENTICATED') {
      return {
        ok: false,
        unreachable: false,
        message: 'The cloud does not know this token. Check it and paste it again.',
      };
    }
    return { ok: false, unreachable: true, message: describeError(e) };
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>(() =>
    readToken() ? { status: 'checking' } : { status: 'signedOut', message: null },
  );
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [attempt, setAttempt] = useState(0);

  // On load (and on retry), validate the stored token.
  useEffect(() => {
    const token = readToken();
    if (!token) return;
    let cancelled = false;
    setState({ status: 'checking' });
    void check(token, setConnection).then((r) => {
      if (cancelled) {
        if (r.ok) r.client.dispose();
        return;
      }
      if (r.ok) setState({ status: 'signedIn', me: r.me, token, client: r.client });
      else if (r.unreachable) setState({ status: 'unreachable', message: r.message });
      else {
        writeToken(null);
        setState({ status: 'signedOut', message: r.message });
      }
    });
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  // Dispose a client when it is replaced or the provider unmounts.
  const current = state.status === 'signedIn' ? state.client : null;
  useEffect(() => () => current?.dispose(), [current]);

  const signIn = useCallback(async (raw: string): Promise<string | null> => {
    const token = raw.trim();
    if (!token) return 'Paste an API token first.';
    const r = await check(token, setConnection);
    if (!r.ok) return r.message;
    writeToken(token);
    setState({ status: 'signedIn', me: r.me, token, client: r.client });
    return null;
  }, []);

  const signOut = useCallback(() => {
    writeToken(null);
    setState({ status: 'signedOut', message: 'Signed out.' });
  }, []);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  const value = useMemo(
    () => ({ state, connection, signIn, signOut, retry }),
    [state, connection, signIn, signOut, retry],
  );
  return (
    <AuthContext.Provider value={value}>
      {state.status === 'signedIn' ? (
        <ApolloProvider client={state.client.apollo}>{children}</ApolloProvider>
      ) : (
        children
      )}
    </AuthContext.Provider>
  );
}
