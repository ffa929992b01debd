/**
 * The active edge config: `$IO_HOME/config/edge-config.yaml`, validated with libs/schema. Hot reload: the
 * folder is watched (editors and `PUT` replace the file by rename), events are debounced and a reload only
 * happens when mtime or size changed. A broken file keeps the last good config and says why (log, metric,
 * readiness detail). `PUT /edge-config` validates (422 naming each field), then persists the body as sent
 * atomically (temp file, fsync, rename). Unknown keys are logged as warnings and kept in the file, not refused.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  DEFAULT_EDGE_CONFIG,
  IntelliOpticsError,
  formatEdgeConfigErrors,
  normaliseEdgeConfig,
  parseEdgeConfig,
  toEdgeConfigPayload,
  type EdgeConfig,
  type EdgeConfigError,
  type EdgeConfigPayload,
  type InferenceConfig,
} from '@intellioptics/schema';
import { stringify } from 'yaml';
import type { Logger } from '../logger';

export interface ConfigProblem {
  at: string;
  errors: EdgeConfigError[];
}

export class EdgeConfigService {
  private current: EdgeConfig = DEFAULT_EDGE_CONFIG;
  private problem: ConfigProblem | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private lastSeen: { mtimeMs: number; size: number } | null = null;
  private readonly listeners = new Set<(config: EdgeConfig) => void>();

  constructor(
    private readonly deps: {
      file: string;
      log: Logger;
      debounceMs: number;
      onReloadFailure?: () => void;
      /**
       * Checks of a PUT body beyond the schema that need the edge's environment (stream URL placeholders). A
       * file on disk is not refused over them: the stream concerned shows the error instead.
       */
      check?: (config: EdgeConfig) => EdgeConfigError[];
    },
  ) {}

  get config(): EdgeConfig {
    return this.current;
  }

  /** The last reload failure while the last good config is kept; null when the file is fine. */
  get lastProblem(): ConfigProblem | null {
    return this.problem;
  }

  payload(): EdgeConfigPayload {
    return toEdgeConfigPayload(this.current);
  }

  /** The preset of a detector (`default` when not listed). */
  presetFor(detectorId: string): InferenceConfig {
    const name = this.current.detectors[detectorId]?.edge_inference_config ?? 'default';
    const preset =
      this.current.edge_inference_configs[name] ?? this.current.edge_inference_configs['default'];
    return preset ?? DEFAULT_EDGE_CONFIG.edge_inference_configs['default']!;
  }

  onChange(listener: (config: EdgeConfig) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    await mkdir(dirname(this.deps.file), { recursive: true });
    await this.reload('startup');
    try {
      this.watcher = watch(dirname(this.deps.file), (_event, name) => {
        if (name !== null && name !== basename(this.deps.file)) return;
        this.schedule();
      });
      this.watcher.on('error', (e) => this.deps.log.warn({ err: e }, 'edge-config watcher failed'));
    } catch (e) {
      this.deps.log.warn({ err: e }, 'cannot watch the edge-config folder; changes need a restart');
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload('watch'), this.deps.debounceMs);
  }

  /** Re-read the file if it changed. Missing file → defaults. Returns true when the active config changed. */
  async reload(why: 'startup' | 'watch' | 'manual'): Promise<boolean> {
    let st: { mtimeMs: number; size: number } | null;
    try {
      const s = await stat(this.deps.file);
      st = { mtimeMs: s.mtimeMs, size: s.size };
    } catch {
      st = null;
    }
    if (
      why !== 'startup' &&
      st &&
      this.lastSeen &&
      st.mtimeMs === this.lastSeen.mtimeMs &&
      st.size === this.lastSeen.size
    ) {
      return false;
    }
    this.lastSeen = st;
    if (st === null) {
      if (why === 'startup') {
        this.deps.log.info({ file: this.deps.file }, 'no edge-config.yaml; using the default config');
        this.apply(DEFAULT_EDGE_CONFIG);
      }
      return false;
    }
    let text: string;
    try {
      text = await readFile(this.deps.file, 'utf8');
    } catch (e) {
      this.fail([
        { path: '', message: `cannot read the file: ${e instanceof Error ? e.message : String(e)}` },
      ]);
      return false;
    }
    const parsed = parseEdgeConfig(text);
    if (!parsed.ok) {
      this.fail(parsed.errors);
      return false;
    }
    this.problem = null;
    this.warnUnknown(parsed.warnings);
    this.apply(parsed.config);
    this.deps.log.info(
      { file: this.deps.file, detectors: Object.keys(parsed.config.detectors).length, why },
      'edge config loaded',
    );
    return true;
  }

  /** Validate a `PUT /edge-config` body, persist it atomically and make it active. */
  async replace(body: unknown): Promise<EdgeConfig> {
    const normalised = normaliseEdgeConfig(body);
    const extra = normalised.ok ? (this.deps.check?.(normalised.config) ?? []) : [];
    const parsed: typeof normalised = extra.length > 0 ? { ok: false, errors: extra } : normalised;
    if (!parsed.ok) {
      throw new IntelliOpticsError(
        'INVALID_EDGE_CONFIG',
        `Invalid edge config:\n${formatEdgeConfigErrors(parsed.errors)}`,
        {
          fieldErrors: parsed.errors.map((e) => ({ path: e.path, message: e.message })),
        },
      );
    }
    this.warnUnknown(parsed.warnings);
    // The body as sent: unknown keys stay in the file (a newer edge may know them); the active config is parsed.
    const yaml = `# Written by PUT /edge-config at ${new Date().toISOString()}\n${stringify(body)}`;
    await writeAtomically(this.deps.file, yaml);
    try {
      const s = await stat(this.deps.file);
      this.lastSeen = { mtimeMs: s.mtimeMs, size: s.size };
    } catch {
      // the watcher will reload
    }
    this.problem = null;
    this.apply(parsed.config);
    this.deps.log.info(
      { detectors: Object.keys(parsed.config.detectors).length },
      'edge config replaced via PUT',
    );
    return parsed.config;
  }

  private warnUnknown(warnings: readonly EdgeConfigError[] | undefined): void {
    if (!warnings?.length) return;
    this.deps.log.warn(
      { file: this.deps.file, unknownKeys: warnings.map((w) => w.path) },
      'edge config has unknown keys: kept in the file, ignored',
    );
  }

  private apply(config: EdgeConfig): void {
    this.current = config;
    for (const l of this.listeners) {
      try {
        l(config);
      } catch (e) {
        this.deps.log.error({ err: e }, 'edge-config listener failed');
      }
    }
  }

  private fail(errors: EdgeConfigError[]): void {
    this.problem = { at: new Date().toISOString(), errors };
    this.deps.onReloadFailure?.();
    this.deps.log.error(
      { file: this.deps.file, errors: formatEdgeConfigErrors(errors) },
      'edge-config.yaml is invalid; keeping the last good config',
    );
  }
}

/** Write a temp file next to the target, fsync it, rename over the target, fsync the folder. */
export async function writeAtomically(file: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dh = await open(dirname(file), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
