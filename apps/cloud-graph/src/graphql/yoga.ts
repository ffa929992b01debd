/**
 * GraphQL over HTTP and SSE (graphql-yoga). The caller comes from the graphql-ws bridge (authenticated on
 * connect) or, over HTTP and SSE, from the `x-api-token` header. Coded errors keep their code and status;
 * anything else is masked as "Unexpected error." and logged.
 */
import type { GraphQLError } from 'graphql';
import {
  createGraphQLError,
  createYoga,
  maskError as defaultMaskError,
  type YogaServerInstance,
} from 'graphql-yoga';
import { ERROR_CODES, isIntelliOpticsError } from '@intellioptics/schema';
import type { Principal } from '../auth/principal';
import { asDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../ops/logger';
import type { Services } from '../services';
import type { GraphQLContext } from './context';
import { toGraphQLError } from './errors';
import { createLoaders } from './loaders';
import { useOperationLimits } from './limits';
import { useNulGuard } from './nul-guard';
import type { AppPubSub } from './pubsub';
import { schema } from './schema';

/** What the transport hands yoga: the principal, when the transport authenticated the caller itself. */
export interface TransportContext {
  principal?: Principal | null;
}

export type CloudYoga = YogaServerInstance<TransportContext, GraphQLContext>;

export function createGraphQLYoga(parts: {
  services: Services;
  pubsub: AppPubSub;
  logger: Logger;
  graphiql: boolean;
}): CloudYoga {
  const { services, pubsub, logger } = parts;
  return createYoga<TransportContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: parts.graphiql,
    plugins: [useNulGuard(), useOperationLimits()],
    logging: {
      debug: (...args) => logger.debug(args.length === 1 ? args[0] : args),
      info: (...args) => logger.info(args.length === 1 ? args[0] : args),
      warn: (...args) => logger.warn(args.length === 1 ? args[0] : args),
      error: (...args) => logger.error(args.length === 1 ? args[0] : args),
    },
    context: async ({ principal, request }) => {
      const who =
        principal !== undefined
          ? principal
          : await services.auth.authenticate(request.headers.get('x-api-token'));
      if (!who) {
        throw createGraphQLError(ERROR_CODES.UNAUTHENTICATED.message, {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return { principal: who, services, loaders: createLoaders(services), pubsub };
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        // No `instanceof GraphQLError` here: yoga may use another copy of graphql (CJS vs ESM under vitest).
        const original = asDatabaseUnavailable((error as { originalError?: unknown }).originalError ?? error);
        if (isIntelliOpticsError(original)) {
          return toGraphQLError(original, error as GraphQLError);
        }
        // Coded GraphQL errors we raised ourselves (UNAUTHENTICATED from the context factory) pass unchanged.
        const codeOf = (e: unknown) => (e as { extensions?: { code?: unknown } } | null)?.extensions?.code;
        if (typeof codeOf(original) === 'string' && codeOf(original) !== 'INTERNAL_SERVER_ERROR') {
          return original as GraphQLError;
        }
        logger.error({ err: original ?? error }, 'unexpected GraphQL error');
        return defaultMaskError(error, message, isDev);
      },
    },
  });
}
