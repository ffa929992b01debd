/** Admin (ADMIN only): users and tokens, hubs and their detectors, training jobs. */
import { hrefFor, type AdminTab } from '../../app/router';
import { HubsPanel } from './HubsPanel';
import { TrainingPanel } from './TrainingPanel';
import { UsersPanel } from './UsersPanel';

const TABS: readonly { tab: AdminTab; label: string }[] = [
  { tab: 'users', label: 'Users & tokens' },
  { tab: 'hubs', label: 'Hubs' },
  { tab: 'training', label: 'Training' },
];

export default function AdminPage({ tab }: { tab: AdminTab }) {
  return (
    <div className="page">
      <div className="page-head">
        <h1>Admin</h1>
        <nav className="nav" aria-label="Admin">
          {TABS.map((t) => (
            <a
              key={t.tab}
              href={hrefFor({ page: 'admin', tab: t.tab })}
              className={t.tab === tab ? 'nav-link active' : 'nav-link'}
              aria-current={t.tab === tab ? 'page' : undefined}
            >
              {t.label}
            </a>
          ))}
        </nav>
      </div>
      {tab === 'users' ? <UsersPanel /> : tab === 'hubs' ? <HubsPanel /> : <TrainingPanel />}
    </div>
  );
}
