import { lazy, Suspense } from 'react';
import { SignInPage } from '../modules/auth/SignInPage';
import { canOpen } from '../modules/auth/roles';
import { useAuth } from '../modules/auth/useAuth';
import { EmptyState, ErrorState, Loading } from '../ui/States';
import { Layout } from './Layout';
import { areaOf, hrefFor, useRoute, type Route } from './router';
import { QueuePage } from '../modules/queue/QueuePage';

// Admin pages load on demand: a reviewer's bundle is the queue only.
const DetectorsPage = lazy(() => import('../modules/detectors/DetectorsPage'));
const DetectorPage = lazy(() => import('../modules/detectors/DetectorPage'));
const NewDetectorPage = lazy(() => import('../modules/detectors/NewDetectorPage'));
const FleetPage = lazy(() => import('../modules/fleet/FleetPage'));
const CamerasPage = lazy(() => import('../modules/cameras/CamerasPage'));
const AdminPage = lazy(() => import('../modules/admin/AdminPage'));
const ImageQueryPage = lazy(() => import('../modules/explain/ImageQueryPage'));

export function App() {
  const { state, retry } = useAuth();
  const route = useRoute();

  switch (state.status) {
    case 'checking':
      return (
        <main className="signin">
          <Loading what="your session" />
        </main>
      );
    case 'unreachable':
      return (
        <main className="signin">
          <ErrorState title="Cannot reach the cloud" onRetry={retry}>
            <p>{state.message}</p>
            <p className="muted">Your token is kept; this page retries when you press the button.</p>
          </ErrorState>
        </main>
      );
    case 'signedOut':
      return <SignInPage message={state.message} />;
    case 'signedIn':
      break;
  }

  const area = areaOf(route);
  const allowed = area === null || canOpen(state.me.uiRole, area);
  return (
    <Layout route={route}>
      <Suspense fallback={<Loading what="the page" />}>
        {!allowed ? (
          <EmptyState title="This page is for admins">
            <p>
              You are signed in as a {state.me.uiRole}. Reviewers work the{' '}
              <a href={hrefFor({ page: 'queue', detectorId: null })}>review queue</a>; ask an admin for access
              to detectors and the fleet.
            </p>
          </EmptyState>
        ) : (
          <Page route={route} />
        )}
      </Suspense>
    </Layout>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'queue':
      return <QueuePage detectorId={route.detectorId} />;
    case 'detectors':
      return <DetectorsPage />;
    case 'detectorNew':
      return <NewDetectorPage />;
    case 'detector':
      return <DetectorPage id={route.id} />;
    case 'imageQuery':
      // Keyed: a neighbour clicked on this page opens fresh (zoom, image state).
      return <ImageQueryPage key={route.id} id={route.id} />;
    case 'fleet':
      return <FleetPage />;
    case 'cameras':
      return <CamerasPage id={route.id} />;
    case 'admin':
      return <AdminPage tab={route.tab} />;
    case 'signIn':
      return (
        <EmptyState title="You are signed in">
          <p>
            Go to the <a href={hrefFor({ page: 'queue', detectorId: null })}>review queue</a>.
          </p>
        </EmptyState>
      );
    case 'notFound':
      return (
        <EmptyState title="No such page">
          <p>
            Nothing lives at <code>{route.path}</code>. Go to the{' '}
            <a href={hrefFor({ page: 'queue', detectorId: null })}>review queue</a>.
          </p>
        </EmptyState>
      );
  }
}
