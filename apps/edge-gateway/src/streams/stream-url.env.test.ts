import { describe, expect, it } from 'vitest';
import { hostPart, streamUrlEnv } from './stream-url.env';

const env = { CAM_USER: 'admin', CAM_PASS: 'p', EDGE_API_TOKEN: 'secret', HOST: 'evil.example' };

describe(streamUrlEnv.name, () => {
  const rows: [string, string, string[], string][] = [
    ['no placeholder', 'rtsp://cam.local/live', [], 'ok {}'],
    [
      'allowed user info',
      'rtsp://${CAM_USER}:${CAM_PASS}@cam/live',
      ['CAM_USER', 'CAM_PASS'],
      'ok CAM_USER,CAM_PASS',
    ],
    [
      'allowed in the path and query',
      'http://cam/x/${CAM_USER}?t=${CAM_PASS}',
      ['CAM_USER', 'CAM_PASS'],
      'ok CAM_USER,CAM_PASS',
    ],
    ['nothing allowed by default', 'rtsp://${CAM_USER}@cam/live', [], 'not allowed: CAM_USER'],
    [
      'a secret not listed',
      'rtsp://cam/live?token=${EDGE_API_TOKEN}',
      ['CAM_USER'],
      'not allowed: EDGE_API_TOKEN',
    ],
    ['in the host, even if allowed', 'rtsp://u@${HOST}/live', ['HOST'], 'host: HOST'],
    ['in the port', 'rtsp://cam:${HOST}/live', ['HOST'], 'host: HOST'],
  ];
  it.each(rows)('%s', (_name, url, allow, want) => {
    const r = streamUrlEnv(url, env, allow);
    const got = r.ok
      ? `ok ${Object.keys(r.env).join(',') || '{}'}`
      : r.problem.includes('host part')
        ? `host: ${/\$\{(\w+)\}/.exec(r.problem)![1]}`
        : `not allowed: ${/stream URLs: ([\w, ]+) \(/.exec(r.problem)![1]}`;
    expect(got).toBe(want);
  });

  it('passes on only the listed names', () => {
    const r = streamUrlEnv('rtsp://${CAM_USER}@cam/live', env, ['CAM_USER', 'CAM_PASS']);
    expect(r).toEqual({ ok: true, env: { CAM_USER: 'admin' } });
  });

  it('finds the host after the user info', () => {
    expect(hostPart('rtsp://a:b@c@cam.local:554/x')).toBe('cam.local:554');
    expect(hostPart('/dev/video0')).toBe('');
  });
});
