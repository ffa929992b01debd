import { useCallback, useState } from 'react';

/** Whether the heat map is shown; the choice stays across items and visits (a reviewer's habit). */
const KEY = 'io.review.evidence';

export function useEvidenceToggle(): [boolean, () => void] {
  const [shown, setShown] = useState(() => {
    try {
      return window.localStorage.getItem(KEY) !== 'off';
    } catch {
      return true;
    }
  });
  const toggle = useCallback(() => {
    setShown((s) => {
      try {
        window.localStorage.setItem(KEY, s ? 'off' : 'on');
      } catch {
        // Private mode: the choice lasts for this page only.
      }
      return !s;
    });
  }, []);
  return [shown, toggle];
}
