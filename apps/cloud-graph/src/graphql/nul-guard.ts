/**
 * GraphQL's side of http/nul.ts: a NUL character in a variable or a string literal would reach PostgreSQL and
 * come back as an unexpected error; it is refused up front as the client's INVALID_PARAMETER (HTTP 400).
 */
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { assertNoNul } from '../http/nul';
import { isIntelliOpticsError } from '@intellioptics/schema';

/** The error for an operation carrying a NUL, or null when it carries none. */
export function nulInOperation(params: {
  query?: string | undefined;
  variables?: unknown;
}): GraphQLError | null {
  try {
    // A literal NUL is spelled \u0000 in GraphQL source (a raw one is a syntax error already).
    if (params.query && /\\u0000/i.test(params.query)) assertNoNul('\u0000', 'The query');
    assertNoNul(params.variables, 'A variable');
    return null;
  } catch (e) {
    if (!isIntelliOpticsError(e)) throw e;
    return createGraphQLError(e.message, { extensions: { code: e.code, http: { status: e.status } } });
  }
}

export function useNulGuard(): Plugin {
  return {
    onParams({ params }) {
      const error = nulInOperation(params);
      if (error) throw error;
    },
  };
}
