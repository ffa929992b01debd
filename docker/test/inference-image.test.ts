/**
 * The inference image converts its models at build time (issue #13 item 6), checked statically: the stage
 * copies the int8 calibration images and runs libs/vision's prepare-models after USER node (so the cache
 * belongs to the user that reads it), and the .dockerignore lets the calibration images into the context.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, dockerignoreAllows } from '../../tools/check-compose';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The lines of one `FROM … AS <target>` stage. */
function stage(text: string, target: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^FROM \\S+ AS ${target}$`).test(l));
  expect(start, `stage ${target}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('FROM '));
  return lines.slice(start, end === -1 ? undefined : end);
}

describe('docker/Dockerfile inference stage', () => {
  const lines = stage(read('docker/Dockerfile'), 'inference');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));

  it('copies libs/vision/calibration and runs prepare-models as the runtime user', () => {
    const calibration = at(/^COPY libs\/vision\/calibration libs\/vision\/calibration$/);
    const user = at(/^USER node$/);
    const prepare = at(/^RUN npm run prepare-models -w libs\/vision$/);
    expect(calibration).toBeGreaterThan(0);
    expect(user).toBeGreaterThan(calibration);
    expect(prepare).toBeGreaterThan(user);
    expect(prepare).toBeLessThan(at(/^CMD /));
  });

  it('sends the calibration images into the build context', () => {
    const ignore = read('docker/Dockerfile.dockerignore');
    const images = readdirSync(join(ROOT, 'libs/vision/calibration')).filter((f) => f.endsWith('.jpg'));
    expect(images.length).toBeGreaterThan(0);
    for (const f of images) expect(dockerignoreAllows(ignore, `libs/vision/calibration/${f}`), f).toBe(true);
  });

  it('libs/vision has the prepare-models script it runs', () => {
    const pkg = JSON.parse(read('libs/vision/package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['prepare-models']).toMatch(/prepare-models/);
  });
});
