import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printCloudGraphSdl } from '../src/graphql/print';

describe('committed SDL', () => {
  const sdl = printCloudGraphSdl();

  it('matches the schema the code builds (run `npm run gen:schema` after a schema change)', () => {
    const committed = readFileSync(
      resolve(import.meta.dirname, '../../../libs/schema/generated/cloud-graph.graphql'),
      'utf8',
    );
    expect(committed).toBe(sdl);
  });

  it('is a Federation v2 subgraph with Detector keyed by id and the subscription names clients rely on', () => {
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6"');
    expect(sdl).toMatch(/type Detector\s+@key\(fields: "id"\)/);
    expect(sdl).toContain('escalationCreated(detectorIds: [ID!]): EscalationCreatedEvent!');
    expect(sdl).toContain('imageQueryUpdated(id: ID!): ImageQueryUpdatedEvent!');
    expect(sdl).toContain('modelVersionPublished(detectorIds: [ID!]): ModelVersionPublishedEvent!');
    expect(sdl).toContain('hubStatusChanged: HubStatusEvent!');
  });
});
