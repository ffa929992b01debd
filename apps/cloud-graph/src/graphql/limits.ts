/**
 * Bounds on what one GraphQL operation may ask, checked at parse and validation time (before any resolver
 * or database work, over HTTP, SSE and graphql-ws alike): at most `maxTokens` lexical tokens, selections at
 * most `maxDepth` deep (fragments expanded; introspection-only operations exempt, GraphiQL's is deep), at most
 * `maxAliases` aliases and `maxFields` field selections in total (a cost bound: each field is at least one
 * resolver call). A refusal is BAD_REQUEST (HTTP 400) naming the limit.
 */
import {
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface OperationLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxFields: number;
}

/** Far above what the review UI, the CLI and edges send (the review queue is 6 deep, under 80 fields). */
export const OPERATION_LIMITS: OperationLimits = {
  maxTokens: 5000,
  maxDepth: 12,
  maxAliases: 30,
  maxFields: 1000,
};

interface Measure {
  depth: number;
  aliases: number;
  fields: number;
}

function measure(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: ReadonlySet<string>,
): Measure {
  let depth = 0;
  let aliases = 0;
  let fields = 0;
  for (const s of set.selections) {
    let inner: Measure = { depth: 0, aliases: 0, fields: 0 };
    if (s.kind === Kind.FIELD) {
      fields += 1;
      if (s.alias) aliases += 1;
      if (s.selectionSet) inner = measure(s.selectionSet, fragments, seen);
      inner = { ...inner, depth: inner.depth + 1 };
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(s.selectionSet, fragments, seen);
    } else {
      const f = fragments[s.name.value];
      // A fragment cycle is reported by the standard rules; here it only must not loop.
      if (f && !seen.has(f.name.value))
        inner = measure(f.selectionSet, fragments, new Set([...seen, f.name.value]));
    }
    depth = Math.max(depth, inner.depth);
    aliases += inner.aliases;
    fields += inner.fields;
  }
  return { depth, aliases, fields };
}

const introspectionOnly = (set: SelectionSetNode): boolean =>
  set.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));

export function operationLimitsRule(limits: OperationLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(op) {
      const fragments = Object.fromEntries(
        context
          .getDocument()
          .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
          .map((d) => [d.name.value, d]),
      );
      const m = measure(op.selectionSet, fragments, new Set());
      const refuse = (what: string) =>
        context.reportError(
          createGraphQLError(`The operation is too large: ${what}.`, {
            nodes: [op],
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          }),
        );
      if (m.depth > limits.maxDepth && !introspectionOnly(op.selectionSet))
        refuse(`${m.depth} levels deep, at most ${limits.maxDepth}`);
      if (m.aliases > limits.maxAliases) refuse(`${m.aliases} aliases, at most ${limits.maxAliases}`);
      if (m.fields > limits.maxFields) refuse(`${m.fields} fields, at most ${limits.maxFields}`);
    },
  });
}

export function useOperationLimits(limits: OperationLimits = OPERATION_LIMITS): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn(
        (source, options) => parseFn(source, { ...options, maxTokens: limits.maxTokens }) as DocumentNode,
      );
    },
    onValidate({ addValidationRule }) {
      addValidationRule(operationLimitsRule(limits));
    },
  };
}
