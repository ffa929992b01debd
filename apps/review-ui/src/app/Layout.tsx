import type { ReactNode } from 'react';
import { AlertToasts } from '../modules/alerts/AlertToasts';
import { canOpen } from '../modules/auth/roles';
import { useAuth, useSession } from '../modules/auth/useAuth';
import { ThemeToggle } from '../ui/ThemeToggle';
import { NAV, areaOf, hrefFor, type Route } from './router';

export function Layout({ route, children }: { route: Route; children: ReactNode }) {
  const { signOut, connection } = useAuth();
  const { me } = useSession();
  const active = areaOf(route);
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href={hrefFor({ page: 'queue', detectorId: null })}>
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">IntelliOptics</span>
        </a>
        <nav className="nav" aria-label="Main">
          {NAV.filter((n) => canOpen(me.uiRole, n.area)).map((n) => (
            <a
              key={n.area}
              href={hrefFor(n.route)}
              className={active === n.area ? 'nav-link active' : 'nav-link'}
              aria-current={active === n.area ? 'page' : undefined}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <div className="topbar-right">
          <span
            className={`live live-${connection}`}
            title={connection === 'connected' ? 'Live updates connected' : 'Live updates reconnecting'}
          >
            <span className="live-dot" aria-hidden="true" />
            {connection === 'connected' ? 'Live' : connection === 'connecting' ? 'Connecting' : 'Offline'}
          </span>
          <span className="who" data-testid="who">
            {me.name} <span className="role">{me.uiRole}</span>
          </span>
          <ThemeToggle />
          <button type="button" className="btn btn-ghost" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <div className="content">{children}</div>
      <AlertToasts />
    </div>
  );
}
