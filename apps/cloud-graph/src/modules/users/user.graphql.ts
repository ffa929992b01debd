import { builder } from '../../graphql/builder';
import { UserRoleEnum } from '../../graphql/enums';
import { MutationErrorRef, asPayload, forbidden, guard, type Payload } from '../../graphql/errors';
import { ROLES, roleOf, type Principal } from '../../auth/principal';
import type { ApiTokenEntity, UserEntity } from './user.entity';

const MeRef = builder.objectRef<Principal>('Me').implement({
  description: 'The caller: a user or a hub.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.string({ resolve: (p) => p.kind }),
    name: t.string({ resolve: (p) => (p.kind === 'user' ? p.username : p.name) }),
    email: t.string({ nullable: true, resolve: (p) => (p.kind === 'user' ? p.email : null) }),
    role: t.string({ description: 'ADMIN, REVIEWER or HUB.', resolve: (p) => roleOf(p) }),
  }),
});

export const UserRef = builder.objectRef<UserEntity>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    email: t.exposeString('email'),
    role: t.field({ type: UserRoleEnum, resolve: (u) => u.role }),
    createdAt: t.field({ type: 'DateTime', resolve: (u) => u.createdAt }),
    disabledAt: t.field({ type: 'DateTime', nullable: true, resolve: (u) => u.disabledAt ?? null }),
  }),
});

const ApiTokenRef = builder.objectRef<ApiTokenEntity>('ApiToken').implement({
  description: 'An API token. Its secret is shown once, by createApiToken; here only its first 8 characters.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    snippet: t.string({ resolve: (k) => k.snippet.slice(0, 8) }),
    userId: t.id({ resolve: (k) => k.user.id }),
    createdAt: t.field({ type: 'DateTime', resolve: (k) => k.createdAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.lastUsedAt ?? null }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Null: never expires.',
      resolve: (k) => k.expiresAt ?? null,
    }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.revokedAt ?? null }),
  }),
});

/** People manage their own tokens; an ADMIN manages everyone's. */
function mayManageTokensOf(who: Principal, userId: string): void {
  if (who.kind === 'user' && (who.role === 'ADMIN' || who.id === userId)) return;
  forbidden('Only an admin manages another user’s tokens.');
}

builder.queryFields((t) => ({
  me: t.field({ type: MeRef, resolve: (_, __, ctx) => guard(ctx, ROLES.any) }),
  users: t.field({
    type: [UserRef],
    resolve: (_, __, ctx) => {
      guard(ctx, ROLES.admin);
      return ctx.services.users.list();
    },
  }),
  apiTokens: t.field({
    type: [ApiTokenRef],
    description: 'A user’s API tokens, newest first (default: yours).',
    args: { userId: t.arg.id() },
    resolve: (_, { userId }, ctx) => {
      const who = guard(ctx, ROLES.people);
      const id = userId ?? who.id;
      mayManageTokensOf(who, id);
      return ctx.services.users.tokens(id);
    },
  }),
}));

const ApiTokenRevokedPayloadRef = builder
  .objectRef<Payload<{ apiToken: ApiTokenEntity }>>('ApiTokenRevokedPayload')
  .implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      apiToken: t.field({ type: ApiTokenRef, nullable: true, resolve: (p) => p.apiToken ?? null }),
    }),
  });

const UserPayloadRef = builder.objectRef<Payload<{ user: UserEntity }>>('UserPayload').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
    user: t.field({ type: UserRef, nullable: true, resolve: (p) => p.user ?? null }),
  }),
});

const ApiTokenPayloadRef = builder
  .objectRef<Payload<{ token: string; user: UserEntity | null; snippet: string }>>('ApiTokenPayload')
  .implement({
    description: 'The token is shown only here, once.',
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      error: t.field({ type: MutationErrorRef, nullable: true, resolve: (p) => p.error }),
      token: t.string({ nullable: true, resolve: (p) => p.token ?? null }),
      snippet: t.string({ nullable: true, resolve: (p) => p.snippet ?? null }),
      user: t.field({ type: UserRef, nullable: true, resolve: (p) => p.user ?? null }),
    }),
  });

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    username: t.string({ required: true }),
    email: t.string({ required: true }),
    role: t.field({ type: UserRoleEnum, required: true }),
  }),
});

builder.mutationFields((t) => ({
  createUser: t.field({
    type: UserPayloadRef,
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: (_, { input }, ctx) => {
      guard(ctx, ROLES.admin);
      return asPayload(async () => ({ user: await ctx.services.users.create(input) }));
    },
  }),
  createApiToken: t.field({
    type: ApiTokenPayloadRef,
    description:
      'A new API token for a user (default: yourself). It expires after `expiresInDays` (default API_TOKEN_TTL_DAYS; 0 = never).',
    args: { name: t.arg.string({ required: true }), userId: t.arg.id(), expiresInDays: t.arg.int() },
    resolve: (_, { name, userId, expiresInDays }, ctx) => {
      const who = guard(ctx, ROLES.admin);
      return asPayload(async () => {
        const { apiToken, token } = await ctx.services.users.createToken(userId ?? who.id, name, {
          ttlDays: expiresInDays ?? null,
        });
        return {
          token,
          snippet: apiToken.snippet.slice(0, 8),
          user: await ctx.services.users.get(apiToken.user.id),
        };
      });
    },
  }),
  revokeApiToken: t.field({
    type: ApiTokenRevokedPayloadRef,
    description: 'Revokes a token at once; open sessions that use it close within AUTH_RECHECK_INTERVAL_MS.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => {
      const who = guard(ctx, ROLES.people);
      return asPayload(async () => {
        const found = await ctx.services.users.token(id);
        if (found) mayManageTokensOf(who, found.user.id);
        return { apiToken: await ctx.services.users.revokeToken(id) };
      });
    },
  }),
  setUserDisabled: t.field({
    type: UserPayloadRef,
    description: 'Disables a user (none of its tokens work; its sessions close) or enables it again.',
    args: { id: t.arg.id({ required: true }), disabled: t.arg.boolean({ required: true }) },
    resolve: (_, { id, disabled }, ctx) => {
      const who = guard(ctx, ROLES.admin);
      if (disabled && who.id === id) forbidden('You cannot disable yourself.');
      return asPayload(async () => ({ user: await ctx.services.users.setDisabled(id, disabled) }));
    },
  }),
}));
