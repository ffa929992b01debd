import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

describe(parseEnv.name, () => {
  it('defaults to the embedded setup under IO_HOME', () => {
    const env = parseEnv({ IO_HOME: '/tmp/io' });
    expect(env.http).toEqual({
      host: '0.0.0.0',
      port: 8000,
      publicUrl: null,
      maxImageBytes: 10 * 1024 * 1024,
    });
    expect(env.database).toEqual({
      kind: 'embedded',
      dataDir: '/tmp/io/cloud/pgdata',
      port: 0,
      poolMax: 10,
      debug: false,
    });
    expect(env.blob).toEqual({
      kind: 'local',
      dir: '/tmp/io/cloud/blobs',
      signingSecret: null,
      ttlSeconds: 900,
    });
    expect(env.redis).toBeNull();
    expect(env.escalations).toEqual({ leaseSeconds: 60, sweepIntervalMs: 5000 });
    expect(env.auth.bootstrapToken).toBeNull();
  });

  it('reads PostgreSQL, Azure and Redis settings', () => {
    const env = parseEnv({
      DATABASE_URL: 'postgresql://u@db:5432/io',
      AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      REDIS_URL: 'redis://r:6379',
      PUBLIC_URL: 'https://cloud.example.com/',
      ESCALATION_LEASE_SECONDS: '30',
    });
    expect(env.database).toMatchObject({ kind: 'postgres', url: 'postgresql://u@db:5432/io' });
    expect(env.blob).toMatchObject({ kind: 'azure', container: 'intellioptics' });
    expect(env.redis).toEqual({ url: 'redis://r:6379' });
    expect(env.http.publicUrl).toBe('https://cloud.example.com');
    expect(env.escalations.leaseSeconds).toBe(30);
  });

  it('lists every problem at once', () => {
    try {
      parseEnv({ PORT: 'eighty', LOG_LEVEL: 'loud', IO_BOOTSTRAP_TOKEN: 'short', DATABASE_URL: 'not a url' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      const problems = (e as EnvError).problems.join('\n');
      for (const name of ['PORT', 'LOG_LEVEL', 'IO_BOOTSTRAP_TOKEN', 'DATABASE_URL'])
        expect(problems).toContain(name);
    }
  });

  it('requires a connection string for azure and a signing secret for local blobs in production', () => {
    expect(() => parseEnv({ BLOB_BACKEND: 'azure' })).toThrow(/AZURE_STORAGE_CONNECTION_STRING/);
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/BLOB_SIGNING_SECRET/);
    expect(parseEnv({ NODE_ENV: 'production', BLOB_SIGNING_SECRET: 'x'.repeat(32) }).blob.kind).toBe('local');
  });
});

describe('secrets', () => {
  it.each([
    ['BLOB_SIGNING_SECRET', 'change-me-to-64-random-hex-characters-0123456789abcdef'],
    ['BLOB_SIGNING_SECRET', 'replace_me_with_something_long_enough'],
    ['IO_BOOTSTRAP_TOKEN', 'io_change_me_0000000000000000000000000000'],
    ['IO_BOOTSTRAP_TOKEN', '<your admin token goes here>'],
  ])('refuses the placeholder %s=%s at start, naming the variable', (name, value) => {
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError);
    expect(() => parseEnv({ [name]: value })).toThrow(new RegExp(`${name}: looks like a placeholder`));
  });

  it('refuses a placeholder database password and Azure account key', () => {
    expect(() => parseEnv({ DATABASE_URL: 'postgresql://io:change-me@db:5432/io' })).toThrow(
      /DATABASE_URL: its password is a placeholder/,
    );
    expect(() =>
      parseEnv({
        AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=...',
      }),
    ).toThrow(/AccountKey is a placeholder/);
  });

  it('wants a 32-character signing secret in production, 16 elsewhere', () => {
    expect(() => parseEnv({ NODE_ENV: 'production', BLOB_SIGNING_SECRET: 'a1b2c3d4e5f6a7b8c9d0' })).toThrow(
      /BLOB_SIGNING_SECRET: at least 32 characters in production/,
    );
    expect(parseEnv({ NODE_ENV: 'test', BLOB_SIGNING_SECRET: 'a1b2c3d4e5f6a7b8c9d0' }).blob).toMatchObject({
      signingSecret: 'a1b2c3d4e5f6a7b8c9d0',
    });
    expect(parseEnv({ DATABASE_URL: 'postgresql://io:Vq3x9T2mK8@db:5432/io' }).database.kind).toBe(
      'postgres',
    );
  });
});
