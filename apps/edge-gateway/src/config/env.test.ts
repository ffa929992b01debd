import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

describe('parseEnv', () => {
  it('has defaults for everything', () => {
    const env = parseEnv({ IO_HOME: '/tmp/io' });
    expect(env.http.port).toBe(8718);
    expect(env.http.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(env.paths.configFile).toBe('/tmp/io/config/edge-config.yaml');
    expect(env.paths.stateDir).toBe('/tmp/io/state');
    expect(env.state.durability).toBe('process');
    expect(env.cloud.edgeApiToken).toBeNull();
    expect(env.models.updates).toBe(true);
    expect(env.auth.offlineUnknownTokens).toBe('reject');
    expect(env.auth.offlineTrustS).toBe(86_400);
    expect(env.auth.revalidateS).toBeLessThanOrEqual(60);
  });

  it('reads and normalises values', () => {
    const env = parseEnv({
      PORT: '9000',
      INFERENCE_URL: 'http://inference:8001/',
      EDGE_API_TOKEN: 'tok',
      MODEL_UPDATES: '0',
      STATE_DURABILITY: 'power',
      IO_HOME: '/x',
    });
    expect(env.http.port).toBe(9000);
    expect(env.inference.url).toBe('http://inference:8001');
    expect(env.cloud.edgeApiToken).toBe('tok');
    expect(env.models.updates).toBe(false);
    expect(env.state.durability).toBe('power');
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ EDGE_API_TOKEN: '', IO_HOME: '/x' }).cloud.edgeApiToken).toBeNull();
  });

  it('lists every problem at once', () => {
    try {
      parseEnv({
        PORT: 'abc',
        INFERENCE_URL: 'not a url',
        STATE_DURABILITY: 'maybe',
        SYNC_ESCALATION_TIMEOUT_MS: '20000',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      const problems = (e as EnvError).problems.join('\n');
      for (const name of ['PORT', 'INFERENCE_URL', 'STATE_DURABILITY', 'SYNC_ESCALATION_TIMEOUT_MS']) {
        expect(problems).toContain(name);
      }
    }
  });
});
