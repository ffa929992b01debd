import { IntelliOpticsError } from '@intellioptics/schema';
import type { RestRouter } from '../http/rest';
import type { LocalBlobStore } from './local-blob.store';

/** Signed downloads of the local blob store: no token, but a valid unexpired signature. */
export function blobRoutes(router: RestRouter, store: LocalBlobStore): void {
  const handler = async (req: Parameters<Parameters<RestRouter['add']>[2]>[0]) => {
    const key = req.path
      .slice('/blobs/'.length)
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
    if (!store.verify(key, req.query.get('exp'), req.query.get('sig'))) {
      throw new IntelliOpticsError('FORBIDDEN', 'The link is invalid or expired.');
    }
    const blob = await store.get(key);
    if (!blob) throw new IntelliOpticsError('NOT_FOUND');
    return {
      status: 200,
      body: blob.data,
      contentType: blob.contentType,
      headers: { 'cache-control': 'private' },
    };
  };
  for (let depth = 1; depth <= 8; depth++) {
    const path = '/blobs' + Array.from({ length: depth }, (_, i) => `/:p${i}`).join('');
    router.add('GET', path, handler);
  }
}
