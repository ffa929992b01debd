/** Blobs in one Azure Blob Storage container (Azurite in tests); downloads through read-only SAS URLs. */
import {
  BlobSASPermissions,
  BlobServiceClient,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';
import { assertValidKey, type BlobStore } from './blob-store';

export class AzureBlobStore implements BlobStore {
  readonly kind = 'azure' as const;
  private readonly container: ContainerClient;
  private readonly credential: StorageSharedKeyCredential;
  private ready: Promise<unknown> | null = null;

  constructor(connectionString: string, containerName: string) {
    const service = BlobServiceClient.fromConnectionString(connectionString);
    if (!(service.credential instanceof StorageSharedKeyCredential)) {
      throw new Error('AZURE_STORAGE_CONNECTION_STRING must carry an AccountKey (needed to sign SAS URLs)');
    }
    this.credential = service.credential;
    this.container = service.getContainerClient(containerName);
  }

  /** Creates the container once (idempotent). */
  private ensure(): Promise<unknown> {
    this.ready ??= this.container.createIfNotExists().catch((e: unknown) => {
      this.ready = null;
      throw e;
    });
    return this.ready;
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    assertValidKey(key);
    await this.ensure();
    await this.container
      .getBlockBlobClient(key)
      .uploadData(data, { blobHTTPHeaders: { blobContentType: contentType } });
  }

  async get(key: string): Promise<{ data: Buffer; contentType: string } | null> {
    assertValidKey(key);
    await this.ensure();
    const blob = this.container.getBlobClient(key);
    try {
      const props = await blob.getProperties();
      const data = await blob.downloadToBuffer();
      return { data, contentType: props.contentType ?? 'application/octet-stream' };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.ensure();
    await this.container.getBlobClient(key).deleteIfExists();
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    await this.ensure();
    return this.container.getBlobClient(key).exists();
  }

  async signedUrl(key: string, ttlSeconds: number): Promise<string> {
    assertValidKey(key);
    const startsOn = new Date(Date.now() - 60_000);
    const expiresOn = new Date(Date.now() + ttlSeconds * 1000);
    const sas = generateBlobSASQueryParameters(
      {
        containerName: this.container.containerName,
        blobName: key,
        permissions: BlobSASPermissions.parse('r'),
        startsOn,
        expiresOn,
      },
      this.credential,
    ).toString();
    return `${this.container.getBlobClient(key).url}?${sas}`;
  }
}
