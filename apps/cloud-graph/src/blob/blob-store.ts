/** Where images and model packages live. Keys are relative paths such as `images/det_…/iq_….jpg`. */
export interface BlobStore {
  readonly kind: 'local' | 'azure';
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The bytes, or null when the key does not exist. */
  get(key: string): Promise<{ data: Buffer; contentType: string } | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** A URL anyone can GET until it expires, without an API token. */
  signedUrl(key: string, ttlSeconds: number): Promise<string>;
  close?(): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9_\-.]+(?:\/[A-Za-z0-9_\-.]+)*$/;

/** Keys are plain relative paths: no `..`, no leading slash, no empty segments. */
export function assertValidKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.split('/').some((s) => s === '.' || s === '..') || key.length > 300) {
    throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
  }
}
