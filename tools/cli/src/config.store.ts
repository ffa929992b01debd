/**
 * Where `io login` keeps the cloud URL and API token: `$IO_CONFIG`, else `$XDG_CONFIG_HOME/intellioptics/
 * config.json`, else `~/.config/intellioptics/config.json`. The file holds a secret, so it is written with mode
 * 0600 (and its folder 0700). `IO_URL` / `IO_TOKEN` override the file, for CI jobs that never log in.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError } from './errors';

const StoredConfigSchema = z.object({ url: z.url(), token: z.string().min(1) });
export type StoredConfig = z.infer<typeof StoredConfigSchema>;

export type Env = Record<string, string | undefined>;

export function configPath(env: Env): string {
  if (env.IO_CONFIG) return env.IO_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'intellioptics', 'config.json');
}

export function saveConfig(env: Env, config: StoredConfig): string {
  const file = configPath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its old mode on write
  return file;
}

export function readStoredConfig(env: Env): StoredConfig | null {
  const file = configPath(env);
  if (!existsSync(file)) return null;
  const parsed = StoredConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  if (!parsed.success) throw new CliError(`${file} is not a valid io config: run io login --url … --token …`);
  return parsed.data;
}

/** The cloud to talk to: IO_URL/IO_TOKEN, else the stored login; a clear error when neither exists. */
export function resolveCloud(env: Env): StoredConfig {
  const stored = readStoredConfig(env);
  const url = env.IO_URL || stored?.url;
  const token = env.IO_TOKEN || stored?.token;
  if (!url || !token) {
    throw new CliError(
      'Not logged in: run io login --url https://<cloud> --token <api token> (or set IO_URL and IO_TOKEN).',
    );
  }
  return { url: url.replace(/\/+$/, ''), token };
}
