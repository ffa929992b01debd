import { useContext } from 'react';
import { AuthContext, type AuthContextValue, type Me } from './AuthProvider';

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside <AuthProvider>');
  return ctx;
}

/** The signed-in session; only for pages rendered after sign-in. */
export function useSession(): { me: Me; token: string } {
  const { state } = useAuth();
  if (state.status !== 'signedIn') throw new Error('useSession without a signed-in user');
  return { me: state.me, token: state.token };
}
