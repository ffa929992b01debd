/** Imports the type modules, then builds the edge subgraph (Apollo Federation v2). */
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { builder } from './builder';
import './detector.graphql';
import './dead-letter.graphql';

let built: GraphQLSchema | null = null;

export function edgeSubgraphSchema(): GraphQLSchema {
  built ??= builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
  return built;
}

export function edgeSubgraphSdl(): string {
  return printSubgraphSchema(edgeSubgraphSchema());
}

/** The SDL as committed in schema/edge-gateway.graphql: printed, then formatted like the rest of the repo. */
export async function formattedEdgeSubgraphSdl(file: string): Promise<string> {
  const { format, resolveConfig } = await import('prettier');
  return format(edgeSubgraphSdl(), { ...(await resolveConfig(file)), parser: 'graphql' });
}
