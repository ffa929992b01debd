/** The edge subgraph's one Pothos builder: Context and Scalars only. */
import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import type { EdgeGraphContext } from './context';

export const builder = new SchemaBuilder<{
  Context: EdgeGraphContext;
  Scalars: { ID: { Input: string; Output: string } };
  DefaultFieldNullability: false;
}>({
  plugins: [DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
});

builder.queryType({});
