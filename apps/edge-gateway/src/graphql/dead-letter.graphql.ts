/**
 * The edge's dead-letter list (escalations set aside, escalation/dead-letters.ts): `deadLetters`,
 * `retryDeadLetter(id)`, `discardDeadLetter(id)`. ADMIN only: otherwise a GraphQL error whose
 * `extensions.code` is UNAUTHENTICATED, FORBIDDEN or CLOUD_UNREACHABLE (the role cannot be checked offline).
 * A mutation on an id that is not a dead letter answers `{ ok: false, error: { code: NOT_FOUND } }`.
 */
import { isIntelliOpticsError } from '@intellioptics/schema';
import { createGraphQLError } from 'graphql-yoga';
import type { DeadLetter } from '../store/outbox.repository';
import { builder } from './builder';
import type { EdgeGraphContext } from './context';

const DeadLetterCauseRef = builder.enumType('DeadLetterCause', {
  description: 'Why an escalation was set aside.',
  values: {
    CONFLICT: { description: 'The cloud answered 409: the id is taken by another submitter or detector.' },
    REFUSED: { description: 'The cloud refused it (4xx); resending it unchanged cannot help.' },
    MAX_ATTEMPTS: { description: 'The cloud failed on it (5xx) OUTBOX_MAX_ATTEMPTS times.' },
    IMAGE_MISSING: { description: 'Its image is no longer on the edge.' },
  } as const,
});

const DeadLetterErrorCodeRef = builder.enumType('DeadLetterErrorCode', {
  values: {
    NOT_FOUND: { description: 'No dead letter has that id (retried or discarded already?).' },
  } as const,
});

const DeadLetterRef = builder.objectRef<DeadLetter>('DeadLetter').implement({
  description: 'An escalation the edge set aside: it no longer holds up its detector; retry or discard it.',
  fields: (t) => ({
    id: t.exposeID('iqId', { description: 'The image query id (the escalation is keyed on it).' }),
    detectorId: t.exposeString('detectorId'),
    kind: t.string({ description: '`escalation` or `audit`.', resolve: (d) => d.kind }),
    cause: t.field({ type: DeadLetterCauseRef, resolve: (d) => d.cause }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'The last attempt’s outcome.' }),
    attempts: t.exposeInt('attempts'),
    createdAt: t.string({ resolve: (d) => new Date(d.createdAt).toISOString() }),
    deadAt: t.string({ resolve: (d) => new Date(d.deadAt).toISOString() }),
  }),
});

const DeadLetterErrorRef = builder
  .objectRef<{ code: 'NOT_FOUND'; message: string }>('DeadLetterError')
  .implement({
    fields: (t) => ({
      code: t.field({ type: DeadLetterErrorCodeRef, resolve: (e) => e.code }),
      message: t.exposeString('message'),
    }),
  });

const DeadLetterPayloadRef = builder
  .objectRef<{ ok: boolean; id: string; error: { code: 'NOT_FOUND'; message: string } | null }>(
    'DeadLetterPayload',
  )
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      id: t.exposeID('id'),
      error: t.field({ type: DeadLetterErrorRef, nullable: true, resolve: (p) => p.error }),
    }),
  });

const DeadLettersRef = builder.objectRef<{ total: number; items: DeadLetter[] }>('DeadLetters').implement({
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Dead letters on this edge.' }),
    items: t.field({ type: [DeadLetterRef], resolve: (p) => p.items }),
  }),
});

/** Authorises an admin; auth failures become GraphQL errors with the catalogue code in `extensions.code`. */
async function admin(ctx: EdgeGraphContext) {
  try {
    await ctx.deadLetters.requireAdmin(ctx.token);
  } catch (e) {
    if (isIntelliOpticsError(e))
      // yoga's own GraphQLError class, so it is passed on unmasked.
      throw createGraphQLError(e.message, { extensions: { code: e.code } });
    throw e;
  }
  return ctx.deadLetters;
}

async function act(id: string, run: () => Promise<void>) {
  try {
    await run();
    return { ok: true, id, error: null };
  } catch (e) {
    if (isIntelliOpticsError(e) && e.code === 'NOT_FOUND') {
      return { ok: false, id, error: { code: 'NOT_FOUND' as const, message: e.message } };
    }
    throw e;
  }
}

builder.queryFields((t) => ({
  deadLetters: t.field({
    type: DeadLettersRef,
    description: 'Escalations this edge set aside, most recent first (ADMIN).',
    args: {
      limit: t.arg.int({ required: false, defaultValue: 100 }),
      offset: t.arg.int({ required: false, defaultValue: 0 }),
    },
    resolve: async (_, args, ctx) => {
      const dl = await admin(ctx);
      return { total: dl.count(), items: await dl.list(args.limit ?? 100, args.offset ?? 0) };
    },
  }),
}));

builder.mutationType({});

builder.mutationFields((t) => ({
  retryDeadLetter: t.field({
    type: DeadLetterPayloadRef,
    description: 'Puts a dead letter back in the outbox, in its old place, with fresh attempts (ADMIN).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const dl = await admin(ctx);
      return act(String(id), () => dl.retry(String(id)));
    },
  }),
  discardDeadLetter: t.field({
    type: DeadLetterPayloadRef,
    description:
      'Gives a dead letter up for good; its image query stays on the edge until retention (ADMIN).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => {
      const dl = await admin(ctx);
      return act(String(id), () => dl.discard(String(id)));
    },
  }),
}));
