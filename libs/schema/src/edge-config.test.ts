import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EDGE_CONFIG,
  DEFAULT_PRESETS,
  EdgeConfigSchema,
  expandStreamUrl,
  formatEdgeConfigErrors,
  normaliseEdgeConfig,
  parseEdgeConfig,
  toEdgeConfigPayload,
  type EdgeConfig,
  type EdgeConfigResult,
} from './edge-config';

const fixture = (name: string) =>
  readFileSync(new URL(`../test/fixtures/edge-config/${name}`, import.meta.url), 'utf8');

const D1 = 'det_2SagpFUrs83cbMZsap5hZzRjZw4';
const D2 = 'det_2SagpFUrs83cbMZsap5hZzRjZw5';

function okConfig(result: EdgeConfigResult): EdgeConfig {
  if (!result.ok) throw new Error(`expected a valid config:\n${formatEdgeConfigErrors(result.errors)}`);
  return result.config;
}

describe('parseEdgeConfig: valid files', () => {
  it('an empty file is the default config', () => {
    expect(okConfig(parseEdgeConfig(''))).toEqual(DEFAULT_EDGE_CONFIG);
    expect(okConfig(parseEdgeConfig('detectors:\nstreams:\n'))).toEqual(DEFAULT_EDGE_CONFIG);
  });

  it('the default config has the four presets with the reference defaults', () => {
    expect(Object.keys(DEFAULT_EDGE_CONFIG.edge_inference_configs)).toEqual([
      'default',
      'edge_answers_with_escalation',
      'no_cloud',
      'disabled',
    ]);
    expect(DEFAULT_EDGE_CONFIG.global_config).toEqual({ refresh_rate: 60, confident_audit_rate: 1e-5 });
    expect(DEFAULT_PRESETS.no_cloud).toMatchObject({
      always_return_edge_prediction: true,
      disable_cloud_escalation: true,
    });
    expect(DEFAULT_PRESETS.disabled.enabled).toBe(false);
    expect(Object.isFrozen(DEFAULT_EDGE_CONFIG.edge_inference_configs)).toBe(true);
  });

  it('the reference list format and the map format normalise to the same config', () => {
    const fromList = okConfig(parseEdgeConfig(fixture('reference-list.yaml')));
    const fromMap = okConfig(parseEdgeConfig(fixture('map.yaml')));
    expect(fromMap).toEqual(fromList);
    expect(Object.keys(fromList.detectors)).toEqual([D1, D2, 'det_2SagpFUrs83cbMZsap5hZzRjZw6']);
    expect(fromList.detectors[D2]).toEqual({
      detector_id: D2,
      edge_inference_config: 'edge_answers_with_escalation',
    });
    expect(
      fromList.edge_inference_configs['edge_answers_with_escalation']?.min_time_between_escalations,
    ).toBe(5);
    expect(fromList.global_config).toEqual({ refresh_rate: 30, confident_audit_rate: 0.001 });
  });

  it('overriding a preset replaces it as a whole (fields not given take the field defaults)', () => {
    const config = okConfig(parseEdgeConfig('edge_inference_configs:\n  no_cloud: { enabled: false }\n'));
    expect(config.edge_inference_configs['no_cloud']).toEqual({
      ...DEFAULT_PRESETS.default,
      name: 'no_cloud',
      enabled: false,
    });
    expect(config.edge_inference_configs['default']).toEqual(DEFAULT_PRESETS.default);
  });

  it('an offline config keeps mode, query, threshold, mode configuration and streams', () => {
    const config = okConfig(parseEdgeConfig(fixture('offline-with-streams.yaml')));
    expect(config.detectors['det_2SagpFUrs83cbMZsap5hZzRjZw7']).toEqual({
      detector_id: 'det_2SagpFUrs83cbMZsap5hZzRjZw7',
      edge_inference_config: 'no_cloud',
      name: 'Pallets',
      query: 'How many pallets are in the bay?',
      mode: 'COUNT',
      mode_configuration: { class_name: 'pallet', max_count: 10 },
    });
    expect(config.detectors[D1]?.confidence_threshold).toBe(0.85);
    expect(config.detectors['det_2SagpFUrs83cbMZsap5hZzRjZw8']?.edge_inference_config).toBe('default');
    expect(config.edge_inference_configs['strict_offline']?.disable_cloud_escalation).toBe(true);
    expect(config.streams['dock-1']).toMatchObject({ fps: 2, transport: 'tcp', motion: { threshold: 0.02 } });
    expect(config.streams['signal']).toMatchObject({ interval_s: 5, transport: 'udp' });
  });

  it('the GET /edge-config payload has the reference shape and parses back to the same config', () => {
    const config = okConfig(parseEdgeConfig(fixture('offline-with-streams.yaml')));
    const payload = toEdgeConfigPayload(config);
    expect(Object.keys(payload)).toEqual(['global_config', 'edge_inference_configs', 'detectors', 'streams']);
    expect(Array.isArray(payload.detectors)).toBe(true);
    expect(payload.detectors[0]).toMatchObject({ detector_id: D1, edge_inference_config: 'strict_offline' });
    expect(payload.edge_inference_configs['no_cloud']?.name).toBe('no_cloud');
    expect(okConfig(normaliseEdgeConfig(payload))).toEqual(config);
    // The payload is a copy: editing it does not change the live config.
    payload.global_config.refresh_rate = 1;
    expect(config.global_config.refresh_rate).toBe(120);
  });

  it('EdgeConfigSchema parses a JS object to the normalised type', () => {
    const config = EdgeConfigSchema.parse({ detectors: [{ detector_id: D1 }] });
    expect(config.detectors[D1]).toEqual({ detector_id: D1, edge_inference_config: 'default' });
  });
});

const stream = (fields: string) => `streams:\n  cam1:\n${fields}`;
const withDetector = `detectors:\n  - detector_id: ${D1}\n`;

// Each row: a file, the path of the offending field, and a piece of the message that names the rule.
const invalid: [string, string, string, string | RegExp][] = [
  ['refresh_rate 0', 'global_config: { refresh_rate: 0 }', 'global_config.refresh_rate', '> 0 and ≤ 86400'],
  [
    'refresh_rate above one day',
    'global_config: { refresh_rate: 86401 }',
    'global_config.refresh_rate',
    '≤ 86400',
  ],
  [
    'refresh_rate a string',
    'global_config: { refresh_rate: fast }',
    'global_config.refresh_rate',
    'must be a number',
  ],
  [
    'audit rate above 1',
    'global_config: { confident_audit_rate: 1.5 }',
    'global_config.confident_audit_rate',
    'between 0 and 1',
  ],
  [
    'audit rate negative',
    'global_config: { confident_audit_rate: -0.1 }',
    'global_config.confident_audit_rate',
    'between 0 and 1',
  ],
  [
    'disable_cloud_escalation without always_return_edge_prediction',
    'edge_inference_configs:\n  mine: { disable_cloud_escalation: true }',
    'edge_inference_configs.mine.disable_cloud_escalation',
    'only be true when always_return_edge_prediction is true',
  ],
  [
    'preset name differs from its key',
    'edge_inference_configs:\n  mine: { name: yours }',
    'edge_inference_configs.mine.name',
    `must equal the preset's key "mine"`,
  ],
  [
    'cooldown 0',
    'edge_inference_configs:\n  mine: { min_time_between_escalations: 0 }',
    'edge_inference_configs.mine.min_time_between_escalations',
    '> 0',
  ],
  [
    'enabled not a boolean',
    'edge_inference_configs:\n  mine: { enabled: "no" }',
    'edge_inference_configs.mine.enabled',
    'must be true or false',
  ],
  [
    'detector id empty (the reference placeholder)',
    'detectors:\n  - detector_id: ""\n    edge_inference_config: default',
    'detectors[0].detector_id',
    'must match ^det_[A-Za-z0-9]{27}$',
  ],
  [
    'detector id too short',
    'detectors:\n  - detector_id: det_abc',
    'detectors[0].detector_id',
    'must match ^det_[A-Za-z0-9]{27}$',
  ],
  [
    'detector id missing in the list',
    'detectors:\n  - edge_inference_config: default',
    'detectors[0].detector_id',
    'must match',
  ],
  [
    'duplicate detector id',
    `detectors:\n  - detector_id: ${D1}\n  - detector_id: ${D1}`,
    'detectors[1].detector_id',
    `duplicate detector id ${D1} (already listed at detectors[0])`,
  ],
  [
    'undefined preset',
    `detectors:\n  - detector_id: ${D1}\n    edge_inference_config: fast`,
    'detectors[0].edge_inference_config',
    'names preset "fast", which is not defined',
  ],
  [
    'undefined preset (map)',
    `detectors:\n  ${D1}: { edge_inference_config: fast }`,
    `detectors.${D1}.edge_inference_config`,
    'not defined',
  ],
  [
    'preset name inherited from Object',
    `detectors:\n  - detector_id: ${D1}\n    edge_inference_config: toString`,
    'detectors[0].edge_inference_config',
    'names preset "toString", which is not defined',
  ],
  [
    'map key differs from detector_id',
    `detectors:\n  ${D1}: { detector_id: ${D2} }`,
    `detectors.${D1}.detector_id`,
    `must equal the map key "${D1}"`,
  ],
  ['map key not a detector id', 'detectors:\n  det_x: {}', 'detectors.det_x', 'key must match'],
  ['detectors a number', 'detectors: 5', 'detectors', 'must be a list'],
  ['detector entry a number', 'detectors:\n  - 5', 'detectors[0]', 'expected object'],
  [
    'threshold above 1',
    `detectors:\n  ${D1}: { confidence_threshold: 1.2 }`,
    `detectors.${D1}.confidence_threshold`,
    'between 0 and 1',
  ],
  [
    'threshold negative',
    `detectors:\n  - { detector_id: ${D1}, confidence_threshold: -0.01 }`,
    'detectors[0].confidence_threshold',
    'between 0 and 1',
  ],
  ['unknown mode', `detectors:\n  ${D1}: { mode: YES_NO }`, `detectors.${D1}.mode`, 'must be one of BINARY'],
  [
    'mode_configuration without mode',
    `detectors:\n  ${D1}: { mode_configuration: { class_name: car } }`,
    `detectors.${D1}.mode`,
    'required when mode_configuration is given',
  ],
  [
    'COUNT without configuration',
    `detectors:\n  ${D1}: { mode: COUNT }`,
    `detectors.${D1}.mode_configuration`,
    'is required for mode COUNT',
  ],
  [
    'COUNT without class_name',
    `detectors:\n  ${D1}: { mode: COUNT, mode_configuration: { max_count: 3 } }`,
    `detectors.${D1}.mode_configuration.class_name`,
    '(mode COUNT)',
  ],
  [
    'MULTI_CLASS with one class',
    `detectors:\n  ${D1}: { mode: MULTI_CLASS, mode_configuration: { class_names: [a] } }`,
    `detectors.${D1}.mode_configuration.class_names`,
    '(mode MULTI_CLASS)',
  ],
  [
    'MULTI_CLASS with a repeated class',
    `detectors:\n  ${D1}: { mode: MULTI_CLASS, mode_configuration: { class_names: [a, a] } }`,
    `detectors.${D1}.mode_configuration.class_names`,
    'must not repeat a class name',
  ],
  [
    'BOUNDING_BOX without class_name',
    `detectors:\n  ${D1}: { mode: BOUNDING_BOX, mode_configuration: {} }`,
    `detectors.${D1}.mode_configuration.class_name`,
    '(mode BOUNDING_BOX)',
  ],
  [
    'BINARY with a non-object configuration',
    `detectors:\n  ${D1}: { mode: BINARY, mode_configuration: 3 }`,
    `detectors.${D1}.mode_configuration`,
    '(mode BINARY)',
  ],
  [
    'stream url not rtsp',
    withDetector + stream(`    url: http://cam/x\n    detector_ids: [${D1}]\n    fps: 1`),
    'streams.cam1.url',
    'must start with rtsp:// or rtsps://',
  ],
  [
    'stream url with a literal password',
    withDetector + stream(`    url: rtsp://admin:hunter2@cam/x\n    detector_ids: [${D1}]\n    fps: 1`),
    'streams.cam1.url',
    'must not contain a literal password',
  ],
  [
    'stream url with a broken placeholder',
    withDetector + stream(`    url: rtsp://\${USER@cam/x\n    detector_ids: [${D1}]\n    fps: 1`),
    'streams.cam1.url',
    'malformed ${…} placeholder',
  ],
  [
    'stream naming an unknown detector',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}, ${D2}]\n    fps: 1`),
    'streams.cam1.detector_ids[1]',
    `names detector ${D2}, which is not listed in detectors`,
  ],
  [
    'stream with no detectors',
    withDetector + stream('    url: rtsp://cam/x\n    detector_ids: []\n    fps: 1'),
    'streams.cam1.detector_ids',
    'at least one detector id',
  ],
  [
    'stream with a bad detector id',
    withDetector + stream('    url: rtsp://cam/x\n    detector_ids: [det_1]\n    fps: 1'),
    'streams.cam1.detector_ids[0]',
    'must match',
  ],
  [
    'stream repeating a detector',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}, ${D1}]\n    fps: 1`),
    'streams.cam1.detector_ids[1]',
    'repeats detector id',
  ],
  [
    'stream fps above 30',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 31`),
    'streams.cam1.fps',
    '> 0 and ≤ 30',
  ],
  [
    'stream fps 0',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 0`),
    'streams.cam1.fps',
    '> 0 and ≤ 30',
  ],
  [
    'stream with fps and interval_s',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    interval_s: 1`),
    'streams.cam1.interval_s',
    'either fps or interval_s, not both',
  ],
  [
    'stream with neither fps nor interval_s',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]`),
    'streams.cam1.fps',
    'give fps or interval_s',
  ],
  [
    'stream interval_s 0',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    interval_s: 0`),
    'streams.cam1.interval_s',
    '> 0',
  ],
  [
    'crop outside the frame',
    withDetector +
      stream(
        `    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    crop: { x: 0.5, y: 0, width: 0.6, height: 1 }`,
      ),
    'streams.cam1.crop.width',
    'x + width must be ≤ 1',
  ],
  [
    'crop with zero height',
    withDetector +
      stream(
        `    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    crop: { x: 0, y: 0, width: 1, height: 0 }`,
      ),
    'streams.cam1.crop.height',
    '> 0 and ≤ 1',
  ],
  [
    'resize not an integer',
    withDetector +
      stream(
        `    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    resize: { width: 640.5, height: 480 }`,
      ),
    'streams.cam1.resize.width',
    'positive integer',
  ],
  [
    'motion threshold above 1',
    withDetector +
      stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    motion: { threshold: 2 }`),
    'streams.cam1.motion.threshold',
    'between 0 and 1',
  ],
  [
    'motion max_interval_s negative',
    withDetector +
      stream(
        `    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    motion: { threshold: 0.1, max_interval_s: -1 }`,
      ),
    'streams.cam1.motion.max_interval_s',
    '> 0',
  ],
  [
    'transport neither tcp nor udp',
    withDetector +
      stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    transport: http`),
    'streams.cam1.transport',
    'must be "tcp" or "udp"',
  ],
];

// Unknown keys are accepted as the reference accepts them, each reported as a warning naming its path.
const unknownKeys: [string, string, string][] = [
  ['unknown top-level key', 'detector:\n  - detector_id: x\n', 'detector'],
  ['unknown global key', 'global_config: { refresh: 5 }', 'global_config.refresh'],
  [
    'misspelt preset field',
    'edge_inference_configs:\n  mine: { always_return_edge_predictions: true }',
    'edge_inference_configs.mine.always_return_edge_predictions',
  ],
  [
    'unknown stream key',
    withDetector + stream(`    url: rtsp://cam/x\n    detector_ids: [${D1}]\n    fps: 1\n    rate: 2`),
    'streams.cam1.rate',
  ],
  [
    'unknown detector key in the list',
    `detectors:\n  - detector_id: ${D1}\n    colour: red`,
    'detectors[0].colour',
  ],
];

describe('parseEdgeConfig: unknown keys are warnings, ignored by the active config', () => {
  it.each(unknownKeys)('%s', (_name, yamlText, path) => {
    const result = parseEdgeConfig(yamlText);
    expect(result.ok, result.ok ? '' : formatEdgeConfigErrors(result.errors)).toBe(true);
    if (!result.ok) return;
    expect(result.warnings?.map((w) => w.path)).toEqual([path]);
    expect(result.warnings?.[0]?.message).toContain('unknown key');
    const key = path.split(/[.\]]/).at(-1)!;
    expect(JSON.stringify(result.config)).not.toContain(`"${key}":`);
  });

  it('still reports a real error next to an unknown key, and only the real one', () => {
    const result = parseEdgeConfig('global_config: { refresh: 5, refresh_rate: 0 }');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(['global_config.refresh_rate']);
  });

  it('a valid config has no warnings', () => {
    const result = parseEdgeConfig(withDetector);
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.warnings).toBeUndefined();
  });
});

describe('parseEdgeConfig: every invalid case names the field and the rule', () => {
  it.each(invalid)('%s', (_name, yamlText, path, rule) => {
    const result = parseEdgeConfig(yamlText);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const atPath = result.errors.filter((e) => e.path === path);
    expect(atPath, `errors: ${formatEdgeConfigErrors(result.errors)}`).not.toHaveLength(0);
    const messages = atPath.map((e) => e.message).join('\n');
    if (typeof rule === 'string') expect(messages).toContain(rule);
    else expect(messages).toMatch(rule);
  });

  it('reports every structural error at once, not only the first', () => {
    const result = parseEdgeConfig(
      'global_config: { refresh_rate: 0, confident_audit_rate: 2 }\ndetectors:\n  - detector_id: det_1\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual([
      'global_config.refresh_rate',
      'global_config.confident_audit_rate',
      'detectors[0].detector_id',
    ]);
    expect(formatEdgeConfigErrors(result.errors)).toContain('global_config.refresh_rate: must be');
  });
});

describe('parseEdgeConfig: YAML syntax errors', () => {
  it.each([
    ['an unclosed flow sequence', 'detectors: [\n  a\nstreams: {}\n', 3],
    [
      'a duplicate map key (duplicate detector ids in the map form)',
      `detectors:\n  ${D1}: {}\n  ${D1}: {}\n`,
      3,
    ],
    ['a tab used for indentation', 'global_config:\n\trefresh_rate: 5\n', 2],
  ])('reports %s with its line number', (_name, yamlText, line) => {
    const result = parseEdgeConfig(yamlText);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [first] = result.errors;
    expect(first?.line).toBe(line);
    expect(first?.message).toMatch(new RegExp(`^YAML syntax error at line ${line}, column \\d+: \\S`));
  });

  it('a file that is not a map is rejected', () => {
    const result = parseEdgeConfig('- just\n- a list\n');
    expect(result).toMatchObject({ ok: false, errors: [{ path: '' }] });
  });
});

describe('expandStreamUrl', () => {
  it('fills placeholders, URL-encoding the values', () => {
    expect(expandStreamUrl('rtsp://${U}:${P}@cam/x', { U: 'admin', P: 'p@ss:w' })).toEqual({
      ok: true,
      url: 'rtsp://admin:p%40ss%3Aw@cam/x',
    });
  });

  it('names every variable that is not set', () => {
    expect(expandStreamUrl('rtsp://${U}:${P}@cam/${U}', { P: 'x' })).toEqual({ ok: false, missing: ['U'] });
  });
});
