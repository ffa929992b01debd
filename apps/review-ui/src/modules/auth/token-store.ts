/** The API token lives in localStorage so a reload keeps you signed in; sign-out removes it. */
export const TOKEN_KEY = 'intellioptics.apiToken';

export function readToken(): string | null {
  try {
    const t = window.localStorage.getItem(TOKEN_KEY);
    return t && t.trim() ? t.trim() : null;
  } catch {
    return null;
  }
}

export function writeToken(token: string | null): void {
  try {
    if (token) window.localStorage.setItem(TOKEN_KEY, token);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode without storage: the session lasts until reload.
  }
}
