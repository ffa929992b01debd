import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A person (or program) that signs in with API tokens. Hubs are not users; they have their own tokens. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.string().primary(),
    username: p.string().length(200).unique(),
    email: p.string().length(320),
    role: p.enum(['ADMIN', 'REVIEWER'] as const),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** A disabled user's tokens stop working (and its open sessions close) until it is enabled again. */
    disabledAt: p.datetime().nullable(),
  },
});
export type UserEntity = InferEntity<typeof User>;

/**
 * An API token; only its sha256 is stored, with the first 20 characters as a snippet for look-ups. It works
 * until it expires or is revoked, and only while its user is enabled.
 */
export const ApiToken = defineEntity({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: {
    id: p.string().primary(),
    user: p.manyToOne(User).ref().deleteRule('cascade').index(),
    name: p.string().length(200),
    tokenHash: p.string().length(64).unique(),
    snippet: p.string().length(20).index(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    /** Null: never expires (the bootstrap admin's token). */
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export type ApiTokenEntity = InferEntity<typeof ApiToken>;
