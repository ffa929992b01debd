/**
 * `edge-config.yaml`: which detectors an edge serves, with which preset, and which cameras feed them.
 *
 * Compatible with the reference edge's file (REST-COMPAT.md "edge-config.yaml"): the same `global_config`,
 * `edge_inference_configs` and `detectors` list parse unchanged. Additions: `detectors` may also be a map keyed by
 * id that carries what an offline edge needs to answer without the cloud (mode, query, threshold, …), and
 * `streams` describes RTSP cameras.
 *
 * Unknown keys are accepted as the reference accepts them (`extra="ignore"`, newer tools add keys), but never
 * silently: each is returned as a warning naming its path (the edge logs it), kept in the file and ignored by
 * the active config. Structural errors are
 * reported first; cross-references (presets named by detectors, detectors named by streams) are checked once
 * the structure is valid.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DetectorModeSchema, type DetectorMode } from './enums';
import { DETECTOR_ID_PATTERN } from './ids';
import { modeConfigurationSchema, type ModeConfiguration } from './rest';
import { ZonesSchema } from './compound-rule';

// ───────────────────────────── field rules ─────────────────────────────

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

function boundedNumber(rule: string, check: (n: number) => boolean) {
  return z.number({ error: (iss) => `must be a number ${rule}, got ${show(iss.input)}` }).refine(check, {
    error: (iss) => `must be ${rule}, got ${show(iss.input)}`,
  });
}

function positiveInt(what: string) {
  return z
    .number({ error: (iss) => `must be a positive integer (${what}), got ${show(iss.input)}` })
    .refine((n) => Number.isInteger(n) && n > 0, {
      error: (iss) => `must be a positive integer (${what}), got ${show(iss.input)}`,
    });
}

const bool = (what: string) =>
  z.boolean({ error: (iss) => `must be true or false (${what}), got ${show(iss.input)}` });

const nonEmptyString = (what: string) =>
  z
    .string({ error: (iss) => `must be a string (${what}), got ${show(iss.input)}` })
    .min(1, { error: `must not be empty (${what})` });

export const DETECTOR_ID_RULE = `must match ${DETECTOR_ID_PATTERN.source} ("det_" and 27 letters or digits)`;

export const DetectorIdSchema = z
  .string({ error: (iss) => `${DETECTOR_ID_RULE}, got ${show(iss.input)}` })
  .regex(DETECTOR_ID_PATTERN, { error: (iss) => `${DETECTOR_ID_RULE}, got ${show(iss.input)}` });

const fraction = (what: string) => boundedNumber(`between 0 and 1 (${what})`, (n) => n >= 0 && n <= 1);

// ───────────────────────────── global_config ─────────────────────────────

export const GlobalConfigSchema = z.strictObject({
  /** Seconds between model-update checks. */
  refresh_rate: boundedNumber('> 0 and ≤ 86400 (seconds)', (n) => n > 0 && n <= 86_400).default(60),
  /** Probability that a confident edge answer is also sent to the cloud as an invisible audit. */
  confident_audit_rate: fraction('a probability').default(1e-5),
});
export type GlobalConfig = z.output<typeof GlobalConfigSchema>;

// ───────────────────────────── presets ─────────────────────────────

export const InferenceConfigSchema = z
  .strictObject({
    /** Optional; when given it must equal the map key (as in the reference). */
    name: nonEmptyString('preset name').optional(),
    /** `false`: the edge does not answer this detector's requests at all (they go to the cloud). */
    enabled: bool('enabled').default(true),
    /** Token used to fetch this detector's models; null = the edge's own token. */
    api_token: nonEmptyString('api_token').nullable().default(null),
    always_return_edge_prediction: bool('always_return_edge_prediction').default(false),
    disable_cloud_escalation: bool('disable_cloud_escalation').default(false),
    /** Seconds; only used for background escalations of not-confident edge answers. */
    min_time_between_escalations: boundedNumber('> 0 (seconds)', (n) => n > 0).default(2),
  })
  .superRefine((preset, ctx) => {
    if (preset.disable_cloud_escalation && !preset.always_return_edge_prediction) {
      ctx.addIssue({
        code: 'custom',
        path: ['disable_cloud_escalation'],
        message:
          'may only be true when always_return_edge_prediction is true (an edge that may not escalate must answer every request itself)',
      });
    }
  });

/** A preset after normalisation: `name` is always the map key. */
export type InferenceConfig = Omit<z.output<typeof InferenceConfigSchema>, 'name'> & { name: string };

export const PRESET_NAMES = ['default', 'edge_answers_with_escalation', 'no_cloud', 'disabled'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const preset = (name: string, fields: Partial<Omit<InferenceConfig, 'name'>>): InferenceConfig => ({
  name,
  enabled: true,
  api_token: null,
  always_return_edge_prediction: false,
  disable_cloud_escalation: false,
  min_time_between_escalations: 2,
  ...fields,
});

/** The four presets every config has; a config may override any of them (whole preset, not field by field). */
export const DEFAULT_PRESETS: Readonly<Record<PresetName, InferenceConfig>> = {
  default: preset('default', {}),
  edge_answers_with_escalation: preset('edge_answers_with_escalation', {
    always_return_edge_prediction: true,
  }),
  no_cloud: preset('no_cloud', { always_return_edge_prediction: true, disable_cloud_escalation: true }),
  disabled: preset('disabled', { enabled: false }),
};

// ───────────────────────────── detectors ─────────────────────────────

const detectorFields = {
  detector_id: DetectorIdSchema,
  /** Name of a preset in `edge_inference_configs`; defaults to `default`. */
  edge_inference_config: nonEmptyString('preset name').default('default'),
  // What an offline edge needs to answer without asking the cloud for the detector:
  name: nonEmptyString('detector name')
    .max(200, { error: 'must be at most 200 characters (detector name)' })
    .optional(),
  query: nonEmptyString('detector query').optional(),
  mode: z
    .enum(DetectorModeSchema.options, {
      error: (iss) => `must be one of ${DetectorModeSchema.options.join(', ')}, got ${show(iss.input)}`,
    })
    .optional(),
  mode_configuration: z.unknown().optional(),
  confidence_threshold: fraction('confidence_threshold').optional(),
};

/** Checks `mode_configuration` against `mode` and returns the parsed value (undefined when not given). */
function checkModeConfiguration(
  entry: { mode?: DetectorMode | undefined; mode_configuration?: unknown },
  ctx: z.RefinementCtx,
): ModeConfiguration | null | undefined {
  if (entry.mode === undefined) {
    if (entry.mode_configuration !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: 'is required when mode_configuration is given (the configuration is read per mode)',
      });
    }
    return undefined;
  }
  const required = entry.mode === 'COUNT' || entry.mode === 'MULTI_CLASS' || entry.mode === 'BOUNDING_BOX';
  if (entry.mode_configuration === undefined && !required) return undefined;
  const parsed = modeConfigurationSchema(entry.mode).safeParse(entry.mode_configuration);
  if (parsed.success) {
    const value = parsed.data as ModeConfiguration | null;
    const names = value?.['class_names'];
    if (Array.isArray(names) && new Set(names).size !== names.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['mode_configuration', 'class_names'],
        message: 'must not repeat a class name (mode MULTI_CLASS)',
      });
    }
    return value;
  }
  for (const issue of parsed.error.issues) {
    ctx.addIssue({
      code: 'custom',
      path: ['mode_configuration', ...issue.path],
      message:
        issue.path.length === 0 && entry.mode_configuration === undefined
          ? `is required for mode ${entry.mode}`
          : `${issue.message} (mode ${entry.mode})`,
    });
  }
  return undefined;
}

function withModeConfiguration<T extends { mode?: DetectorMode | undefined; mode_configuration?: unknown }>(
  entry: T,
  ctx: z.RefinementCtx,
) {
  const { mode_configuration: _raw, ...rest } = entry;
  const modeConfiguration = checkModeConfiguration(entry, ctx);
  return modeConfiguration === undefined ? rest : { ...rest, mode_configuration: modeConfiguration };
}

const DetectorListEntrySchema = z
  .strictObject(detectorFields)
  .transform((entry, ctx) => withModeConfiguration(entry, ctx));
const DetectorMapEntrySchema = z
  .strictObject({ ...detectorFields, detector_id: DetectorIdSchema.optional() })
  .transform((entry, ctx) => withModeConfiguration(entry, ctx));

/** One detector after normalisation (both input formats give this). */
export interface EdgeDetectorConfig {
  detector_id: string;
  edge_inference_config: string;
  name?: string;
  query?: string;
  mode?: DetectorMode;
  mode_configuration?: ModeConfiguration | null;
  confidence_threshold?: number;
}

// ───────────────────────────── streams ─────────────────────────────

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function checkStreamUrl(url: string, ctx: z.RefinementCtx): void {
  const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (!/^rtsps?:\/\//i.test(url)) return fail(`must start with rtsp:// or rtsps://, got ${show(url)}`);
  // Placeholders may sit anywhere (user, password, host); validate the shape with them filled in.
  const filled = url.replace(PLACEHOLDER, 'x');
  if (filled.includes('${')) return fail('has a malformed ${…} placeholder (use ${ENV_VAR_NAME})');
  let parsed: URL;
  try {
    parsed = new URL(filled);
  } catch {
    return fail(`is not a valid URL: ${show(url)}`);
  }
  if (parsed.hostname === '') return fail('must name a host');
  // GET /edge-config echoes streams, so a literal password would leak; placeholders are expanded at run time.
  const authority = url.slice(url.indexOf('//') + 2).split('/')[0] ?? '';
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    const password = colon >= 0 ? userInfo.slice(colon + 1) : '';
    if (password !== '' && password.replace(PLACEHOLDER, '') !== '') {
      fail(
        'must not contain a literal password; use a placeholder such as rtsp://${CAM_USER}:${CAM_PASS}@host/path',
      );
    }
  }
}

export const StreamConfigSchema = z
  .strictObject({
    url: z
      .string({ error: (iss) => `must be an rtsp:// or rtsps:// URL, got ${show(iss.input)}` })
      .superRefine(checkStreamUrl),
    detector_ids: z
      .array(DetectorIdSchema, { error: 'must be a list of detector ids' })
      .min(1, { error: 'must list at least one detector id' })
      .superRefine((ids, ctx) => {
        ids.forEach((id, i) => {
          if (ids.indexOf(id) !== i)
            ctx.addIssue({ code: 'custom', path: [i], message: `repeats detector id ${id}` });
        });
      }),
    /** Frames per second sent to the detectors (give this or interval_s). */
    fps: boundedNumber('> 0 and ≤ 30 (frames per second)', (n) => n > 0 && n <= 30).optional(),
    /** Seconds between frames (give this or fps). */
    interval_s: boundedNumber('> 0 (seconds)', (n) => n > 0).optional(),
    /** Region of the frame, as fractions of its width and height (resolution independent). */
    crop: z
      .strictObject({
        x: fraction('fraction of the frame width'),
        y: fraction('fraction of the frame height'),
        width: boundedNumber('> 0 and ≤ 1 (fraction of the frame width)', (n) => n > 0 && n <= 1),
        height: boundedNumber('> 0 and ≤ 1 (fraction of the frame height)', (n) => n > 0 && n <= 1),
      })
      .superRefine((crop, ctx) => {
        if (crop.x + crop.width > 1)
          ctx.addIssue({
            code: 'custom',
            path: ['width'],
            message: 'x + width must be ≤ 1 (inside the frame)',
          });
        if (crop.y + crop.height > 1)
          ctx.addIssue({
            code: 'custom',
            path: ['height'],
            message: 'y + height must be ≤ 1 (inside the frame)',
          });
      })
      .optional(),
    /** Pixels, applied after crop. */
    resize: z.strictObject({ width: positiveInt('pixels'), height: positiveInt('pixels') }).optional(),
    /** Send a frame only when this fraction of pixels changed, but at least every max_interval_s. */
    motion: z
      .strictObject({
        threshold: fraction('fraction of changed pixels'),
        max_interval_s: boundedNumber('> 0 (seconds)', (n) => n > 0).optional(),
      })
      .optional(),
    transport: z
      .enum(['tcp', 'udp'], { error: (iss) => `must be "tcp" or "udp", got ${show(iss.input)}` })
      .default('tcp'),
    /** Named regions of the frame (fractions of it), for compound detectors' `inside` leaves. */
    zones: ZonesSchema.optional(),
  })
  .superRefine((stream, ctx) => {
    if (stream.fps !== undefined && stream.interval_s !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['interval_s'],
        message: 'give either fps or interval_s, not both',
      });
    } else if (stream.fps === undefined && stream.interval_s === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['fps'],
        message: 'give fps or interval_s (how often to sample)',
      });
    }
  });
export type StreamConfig = z.output<typeof StreamConfigSchema>;

// ───────────────────────────── the file ─────────────────────────────

const RawEdgeConfigSchema = z.strictObject({
  global_config: GlobalConfigSchema.prefault({}),
  edge_inference_configs: z
    .record(nonEmptyString('preset name'), InferenceConfigSchema, {
      error: 'must be a map of preset name → preset',
    })
    .prefault({}),
  detectors: z
    .union([z.array(DetectorListEntrySchema), z.record(z.string(), DetectorMapEntrySchema)], {
      error:
        'must be a list of {detector_id, edge_inference_config} or a map keyed by detector id (see docs/DECISION.md)',
    })
    .prefault([]),
  streams: z
    .record(nonEmptyString('stream name'), StreamConfigSchema, { error: 'must be a map of name → stream' })
    .prefault({}),
});
type RawEdgeConfig = z.output<typeof RawEdgeConfigSchema>;
/** The top-level keys the file may hold (read off the schema, so the error message cannot drift from it). */
export const EDGE_CONFIG_SECTIONS = Object.keys(RawEdgeConfigSchema.shape) as (keyof RawEdgeConfig)[];
/** The file as written (either detector format, defaults not filled in). */
export type EdgeConfigInput = z.input<typeof RawEdgeConfigSchema>;

/** The normalised config: detectors always a map by id, the four presets always present. */
export interface EdgeConfig {
  global_config: GlobalConfig;
  edge_inference_configs: Record<string, InferenceConfig>;
  detectors: Record<string, EdgeDetectorConfig>;
  streams: Record<string, StreamConfig>;
}

interface PathIssue {
  path: (string | number)[];
  message: string;
}

function crossCheck(raw: RawEdgeConfig): { config: EdgeConfig; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  // Maps, not plain objects: a name such as "toString" or "__proto__" must not find anything inherited.
  const presets = new Map<string, InferenceConfig>();
  for (const [name, value] of Object.entries(DEFAULT_PRESETS)) presets.set(name, { ...value });
  for (const [key, value] of Object.entries(raw.edge_inference_configs)) {
    if (value.name !== undefined && value.name !== key) {
      issues.push({
        path: ['edge_inference_configs', key, 'name'],
        message: `must equal the preset's key "${key}", got ${show(value.name)}`,
      });
    }
    presets.set(key, { ...value, name: key });
  }

  const detectors = new Map<string, EdgeDetectorConfig>();
  const seenAt = new Map<string, string | number>();
  type Entry = Omit<EdgeDetectorConfig, 'detector_id'> & { detector_id?: string | undefined };
  const entries: [string | number, Entry][] = Array.isArray(raw.detectors)
    ? raw.detectors.map((d, i) => [i, d])
    : Object.entries(raw.detectors);
  for (const [at, entry] of entries) {
    const givenId = entry.detector_id;
    let id = givenId;
    if (typeof at === 'string') {
      if (givenId !== undefined && givenId !== at) {
        issues.push({
          path: ['detectors', at, 'detector_id'],
          message: `must equal the map key "${at}", got ${show(givenId)}`,
        });
        continue;
      }
      if (!DETECTOR_ID_PATTERN.test(at)) {
        issues.push({ path: ['detectors', at], message: `key ${DETECTOR_ID_RULE}, got ${show(at)}` });
        continue;
      }
      id = at;
    }
    if (id === undefined) continue;
    const first = seenAt.get(id);
    if (first !== undefined) {
      issues.push({
        path: ['detectors', at, 'detector_id'],
        message: `duplicate detector id ${id} (already listed at detectors${typeof first === 'number' ? `[${first}]` : `.${first}`})`,
      });
      continue;
    }
    seenAt.set(id, at);
    if (!presets.has(entry.edge_inference_config)) {
      issues.push({
        path: ['detectors', at, 'edge_inference_config'],
        message: `names preset "${entry.edge_inference_config}", which is not defined (defined: ${[...presets.keys()].join(', ')})`,
      });
    }
    detectors.set(id, { ...entry, detector_id: id });
  }

  for (const [name, stream] of Object.entries(raw.streams)) {
    stream.detector_ids.forEach((id, i) => {
      if (!detectors.has(id)) {
        issues.push({
          path: ['streams', name, 'detector_ids', i],
          message: `names detector ${id}, which is not listed in detectors`,
        });
      }
    });
  }

  return {
    config: {
      global_config: raw.global_config,
      edge_inference_configs: Object.fromEntries(presets),
      detectors: Object.fromEntries(detectors),
      streams: raw.streams,
    },
    issues,
  };
}

// An empty section in YAML (`detectors:` with nothing under it) is null; read it as "not given".
function emptySectionsToUndefined(input: unknown): unknown {
  if (input === null || input === undefined) return {};
  if (typeof input !== 'object' || Array.isArray(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null));
}

/** Raw config (YAML or a PUT /edge-config body) → normalised `EdgeConfig`. */
export const EdgeConfigSchema = z.preprocess(
  emptySectionsToUndefined,
  RawEdgeConfigSchema.transform((raw, ctx): EdgeConfig => {
    const { config, issues } = crossCheck(raw);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return config;
  }),
);

// ───────────────────────────── results and errors ─────────────────────────────

export interface EdgeConfigError {
  /** Dotted path of the field (`detectors[0].detector_id`, `streams.cam1.fps`); '' for the whole file. */
  path: string;
  message: string;
  /** 1-based position, for YAML syntax errors. */
  line?: number;
  column?: number;
}

export type EdgeConfigResult =
  | {
      ok: true;
      config: EdgeConfig;
      /** Unknown keys, ignored (path and a note). */ warnings?: EdgeConfigError[];
    }
  | { ok: false; errors: EdgeConfigError[] };

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function toErrors(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[] = []): EdgeConfigError[] {
  const out: EdgeConfigError[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...path, key]),
          message:
            path.length === 0
              ? `unknown top-level key (allowed: ${EDGE_CONFIG_SECTIONS.join(', ')})`
              : 'unknown key (check the spelling; unknown keys are rejected, not ignored)',
        });
      }
    } else if (issue.code === 'invalid_union') {
      // Report the branch that matched the input's shape (list vs map) rather than "invalid input".
      const matching = issue.errors.filter(
        (branch) => !branch.some((sub) => sub.code === 'invalid_type' && sub.path.length === 0),
      );
      const [only] = matching;
      if (matching.length === 1 && only !== undefined) out.push(...toErrors(only, path));
      else out.push({ path: formatPath(path), message: issue.message });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

type UnknownKeys = { path: PropertyKey[]; keys: string[] };

/** The unknown-key issues, looked for in the union branch that matched the input's shape (as toErrors does). */
function unknownKeysOf(
  issues: readonly z.core.$ZodIssue[],
  base: readonly PropertyKey[] = [],
): UnknownKeys[] {
  return issues.flatMap((issue): UnknownKeys[] => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') return [{ path, keys: issue.keys }];
    if (issue.code !== 'invalid_union') return [];
    const matching = issue.errors.filter(
      (branch) => !branch.some((sub) => sub.code === 'invalid_type' && sub.path.length === 0),
    );
    return matching.length === 1 ? unknownKeysOf(matching[0]!, path) : [];
  });
}

function withoutKeys(raw: unknown, found: readonly UnknownKeys[]): unknown {
  const copy = structuredClone(raw);
  for (const { path, keys } of found) {
    let node: unknown = copy;
    for (const part of path) node = isRecord(node) || Array.isArray(node) ? (node as never)[part] : undefined;
    if (isRecord(node)) for (const key of keys) delete node[key];
  }
  return copy;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates and normalises an already-parsed config (for example a `PUT /edge-config` body). Unknown keys are
 * warnings, not errors: they are left out of the active config and reported (`warnings`) with their paths.
 */
export function normaliseEdgeConfig(raw: unknown): EdgeConfigResult {
  const warnings: EdgeConfigError[] = [];
  let input = raw;
  // A few rounds: a key can only be seen once the object around it parses (a union branch, a nested map).
  for (let round = 0; round < 5; round++) {
    const parsed = EdgeConfigSchema.safeParse(input);
    if (parsed.success) {
      return warnings.length > 0
        ? { ok: true, config: parsed.data, warnings }
        : { ok: true, config: parsed.data };
    }
    const errors = toErrors(parsed.error.issues);
    const unknown = unknownKeysOf(parsed.error.issues);
    const unknownPaths = new Set(unknown.flatMap((u) => u.keys.map((k) => formatPath([...u.path, k]))));
    const real = errors.filter((e) => !unknownPaths.has(e.path));
    if (real.length > 0 || unknown.length === 0)
      return { ok: false, errors: real.length > 0 ? real : errors };
    for (const path of unknownPaths)
      warnings.push({ path, message: 'unknown key, ignored (check the spelling)' });
    input = withoutKeys(input, unknown);
  }
  return { ok: false, errors: toErrors(EdgeConfigSchema.safeParse(input).error?.issues ?? []) };
}

/** Parses the text of `edge-config.yaml`. An empty file is the default config. */
export function parseEdgeConfig(yamlText: string): EdgeConfigResult {
  const doc = parseDocument(yamlText, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const pos = error.linePos?.[0];
        const summary =
          error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
        return {
          path: '',
          message: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${summary}`,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    };
  }
  return normaliseEdgeConfig(doc.toJS());
}

/** One line per error, for logs and the `detail` of a 400. */
export function formatEdgeConfigErrors(errors: readonly EdgeConfigError[]): string {
  return errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('\n');
}

// ───────────────────────────── defaults and payload ─────────────────────────────

export const DEFAULT_EDGE_CONFIG: EdgeConfig = deepFreeze({
  global_config: { refresh_rate: 60, confident_audit_rate: 1e-5 },
  edge_inference_configs: { ...DEFAULT_PRESETS },
  detectors: {},
  streams: {},
});

/** What `GET /edge-config` returns: the reference's shape (detectors as a list), plus `streams`. */
export interface EdgeConfigPayload {
  global_config: GlobalConfig;
  edge_inference_configs: Record<string, InferenceConfig>;
  detectors: EdgeDetectorConfig[];
  streams: Record<string, StreamConfig>;
}

/** The payload parses back to the same config (`normaliseEdgeConfig(toEdgeConfigPayload(c))` equals `c`). */
export function toEdgeConfigPayload(config: EdgeConfig): EdgeConfigPayload {
  return structuredClone({
    global_config: config.global_config,
    edge_inference_configs: config.edge_inference_configs,
    detectors: Object.values(config.detectors),
    streams: config.streams,
  });
}

/**
 * Fills `${ENV_VAR}` placeholders in a stream URL from `env` (values are URL-encoded, so a password may contain
 * `@` or `:`). Returns the names that are not set instead of a half-filled URL.
 */
export function expandStreamUrl(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; url: string } | { ok: false; missing: string[] } {
  const missing = new Set<string>();
  const expanded = url.replace(PLACEHOLDER, (_match, name: string) => {
    const value = env[name];
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    return encodeURIComponent(value);
  });
  return missing.size > 0 ? { ok: false, missing: [...missing] } : { ok: true, url: expanded };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
