import { useCallback, useEffect, useState } from 'react';
import {
  LIGHT_QUERY,
  applyTheme,
  otherTheme,
  readStoredTheme,
  resolveTheme,
  storeTheme,
  systemPrefersLight,
  type Theme,
} from './theme';

/** The current theme and a toggle that remembers the choice; follows the system until the user chooses. */
export function useTheme(): { theme: Theme; toggle: () => void } {
  const [stored, setStored] = useState(readStoredTheme);
  const [prefersLight, setPrefersLight] = useState(systemPrefersLight);

  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return;
    const mq = window.matchMedia(LIGHT_QUERY);
    const onChange = () => setPrefersLight(mq.matches);
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);

  const theme = resolveTheme(stored, prefersLight);
  useEffect(() => applyTheme(theme), [theme]);

  const toggle = useCallback(() => {
    const next = otherTheme(theme);
    storeTheme(next);
    setStored(next);
  }, [theme]);
  return { theme, toggle };
}
