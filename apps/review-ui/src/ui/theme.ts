/**
 * Light or dark. A choice the user made is kept in localStorage; without one the system's
 * prefers-color-scheme decides (and keeps deciding when it changes). The theme is the `data-theme` attribute
 * on <html>, which switches the CSS variables in styles.css.
 */
export type Theme = 'light' | 'dark';

export const THEME_KEY = 'intellioptics.theme';

/** A stored value as a theme, or null when it is missing or not one we wrote. */
export function parseTheme(v: string | null | undefined): Theme | null {
  return v === 'light' || v === 'dark' ? v : null;
}

/** The theme to show: the stored choice, else the system's preference. */
export function resolveTheme(stored: Theme | null, systemPrefersLight: boolean): Theme {
  return stored ?? (systemPrefersLight ? 'light' : 'dark');
}

export function otherTheme(t: Theme): Theme {
  return t === 'light' ? 'dark' : 'light';
}

export function readStoredTheme(): Theme | null {
  try {
    return parseTheme(window.localStorage.getItem(THEME_KEY));
  } catch {
    return null;
  }
}

export function storeTheme(t: Theme): void {
  try {
    window.localStorage.setItem(THEME_KEY, t);
  } catch {
    // Storage off (private mode): the choice lasts until reload.
  }
}

export const LIGHT_QUERY = '(prefers-color-scheme: light)';

export function systemPrefersLight(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(LIGHT_QUERY).matches;
}

export function applyTheme(t: Theme): void {
  document.documentElement.dataset.theme = t;
}
