import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { AuthProvider } from './modules/auth/AuthProvider';
import { applyTheme, readStoredTheme, resolveTheme, systemPrefersLight } from './ui/theme';
import './ui/styles.css';

// The theme before the first paint, so a light-theme user never sees a dark flash.
applyTheme(resolveTheme(readStoredTheme(), systemPrefersLight()));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <AuthProvider>
      <App />
    </AuthProvider>
  </StrictMode>,
);
