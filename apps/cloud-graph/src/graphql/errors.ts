/**
 * GraphQL errors with codes from the shared catalogue. Access denials are thrown (FORBIDDEN,
 * UNAUTHENTICATED); expected failures of mutations come back as data (`{ ok, error }`); everything else is
 * masked by yoga as "Unexpected error." and logged.
 */
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { IntelliOpticsError, isIntelliOpticsError, type ErrorCode, type Role } from '@intellioptics/schema';
import { requireRole, type Principal } from '../auth/principal';
import { builder } from './builder';
import type { GraphQLContext } from './context';

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: ErrorCode;
  }
}

/**
 * Built with yoga's `createGraphQLError` so the error belongs to the same `graphql` instance yoga checks
 * against (vitest can load graphql's ESM and CJS builds side by side).
 */
export function toGraphQLError(
  e: IntelliOpticsError,
  at?: Pick<GraphQLError, 'nodes' | 'path'>,
): GraphQLError {
  return createGraphQLError(e.message, {
    ...(at?.nodes ? { nodes: at.nodes } : {}),
    ...(at?.path ? { path: at.path } : {}),
    extensions: { code: e.code, http: { status: e.status }, ...(e.details ? { details: e.details } : {}) },
  });
}

/**
 * The caller, if its role is one of `roles`; otherwise an IntelliOpticsError coded UNAUTHENTICATED/FORBIDDEN,
 * which the server's `maskError` turns into a GraphQL error with that code and HTTP status.
 */
export function guard(ctx: GraphQLContext, roles: readonly Role[]): Principal {
  return requireRole(ctx.principal, roles);
}

export interface MutationErrorShape {
  code: ErrorCode;
  message: string;
  fields: { path: string; message: string }[];
}

export const FieldErrorRef = builder.objectRef<{ path: string; message: string }>('FieldError').implement({
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

export const MutationErrorRef = builder.objectRef<MutationErrorShape>('MutationError').implement({
  description: 'An expected failure: `code` is from the shared error catalogue.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    fields: t.field({ type: [FieldErrorRef], resolve: (e) => e.fields }),
  }),
});

export type Payload<T> = { ok: boolean; error: MutationErrorShape | null } & Partial<T>;

/**
 * Runs a mutation body; an IntelliOpticsError other than an access denial becomes `{ ok: false, error }`.
 */
export function asPayload<T extends object>(run: () => Promise<T | FailurePayload>): Promise<Payload<T>> {
  return run().then(
    (value): Payload<T> =>
      'ok' in value && value.ok === false
        ? (value as Payload<T>)
        : ({ ok: true, error: null, ...value } as Payload<T>),
    (e: unknown): Payload<T> => {
      if (isIntelliOpticsError(e) && e.code !== 'UNAUTHENTICATED' && e.code !== 'FORBIDDEN') {
        return failure(e.code, e.message, e.fieldErrors ?? []) as Payload<T>;
      }
      throw e;
    },
  );
}

export interface FailurePayload {
  ok: false;
  error: MutationErrorShape;
}

export function failure(
  code: ErrorCode,
  message: string,
  fields: MutationErrorShape['fields'] = [],
): FailurePayload {
  return { ok: false, error: { code, message, fields } };
}

/** Throws FORBIDDEN (an access denial, not an expected failure). */
export function forbidden(message: string): never {
  throw new IntelliOpticsError('FORBIDDEN', message);
}
