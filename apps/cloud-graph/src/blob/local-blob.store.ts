/**
 * Blobs as files under one folder (the embedded default). Downloads go through cloud-graph at
 * `/blobs/<key>?exp=<unix seconds>&sig=<hex HMAC-SHA256 of "key\nexp">`, checked in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertValidKey, type BlobStore } from './blob-store';

export interface LocalBlobStoreOptions {
  dir: string;
  /** Secret for the URL signatures; a random one per process when not given (URLs then die with it). */
  signingSecret: string | null;
  /** Base URL the signed links point at, for example `http://127.0.0.1:8000`. */
  publicBaseUrl: () => string;
  now?: () => number;
}

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  private readonly secret: Buffer;
  private readonly now: () => number;

  constructor(private readonly opts: LocalBlobStoreOptions) {
    this.secret = opts.signingSecret ? Buffer.from(opts.signingSecret) : randomBytes(32);
    this.now = opts.now ?? Date.now;
  }

  /** The folder the blobs live in. */
  get dir(): string {
    return this.opts.dir;
  }

  private path(key: string): string {
    assertValidKey(key);
    return join(this.opts.dir, key);
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, data);
    await writeFile(`${tmp}.type`, contentType);
    await rename(`${tmp}.type`, `${path}.content-type`);
    await rename(tmp, path);
  }

  async get(key: string): Promise<{ data: Buffer; contentType: string } | null> {
    const path = this.path(key);
    try {
      const data = await readFile(path);
      const contentType = await readFile(`${path}.content-type`, 'utf8').catch(
        () => 'application/octet-stream',
      );
      return { data, contentType };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    await rm(`${path}.content-type`, { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile();
    } catch {
      return false;
    }
  }

  async signedUrl(key: string, ttlSeconds: number): Promise<string> {
    assertValidKey(key);
    const exp = Math.floor(this.now() / 1000) + ttlSeconds;
    const sig = this.sign(key, exp);
    const path = key.split('/').map(encodeURIComponent).join('/');
    return `${this.opts.publicBaseUrl()}/blobs/${path}?exp=${exp}&sig=${sig}`;
  }

  /** True when `sig` signs `key` and `exp` is still in the future. */
  verify(key: string, exp: string | null, sig: string | null): boolean {
    if (!exp || !sig || !/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) return false;
    const expNum = Number(exp);
    if (expNum * 1000 < this.now()) return false;
    const expected = Buffer.from(this.sign(key, expNum), 'hex');
    return timingSafeEqual(expected, Buffer.from(sig, 'hex'));
  }

  private sign(key: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${exp}`).digest('hex');
  }
}
