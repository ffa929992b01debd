/** `npm run prepare-models -w libs/vision`: see prepare-models.ts. */
import { prepareVisionModels } from './prepare-models';

prepareVisionModels().then(
  (models) => {
    for (const m of models)
      process.stdout.write(`${m.name}: ${m.sha256.slice(0, 16)}… ${m.path} (${m.ms.toFixed(0)} ms)\n`);
  },
  (err: unknown) => {
    process.stderr.write(`prepare-models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
