import { builder } from '../../graphql/builder';
import { UserRoleEnum } from '../../graphql/enums';
import { MutationErrorRef, asPayload, guard, type Payload } from '../../graphql/errors';
import { ROLES, roleOf, type Principal } from '../../auth/principal';
import type { UserEntity } from './user.entity';

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
  }),
});

builder.queryFields((t) => ({
  me: t.field({ type: MeRef, resolve: (_, __, ctx) => guard(ctx, ROLES.any) }),
  users: t.field({
    type: [UserRef],
    resolve: (_, __, ctx) => {
      guard(ctx, ROLES.admin);
      return ctx.services.users.list();
    },
  }),
}));

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
    description: 'A new API token for a user (default: yourself).',
    args: { name: t.arg.string({ required: true }), userId: t.arg.id() },
    resolve: (_, { name, userId }, ctx) => {
      const who = guard(ctx, ROLES.admin);
      return asPayload(async () => {
        const { apiToken, token } = await ctx.services.users.createToken(userId ?? who.id, name);
        return {
          token,
          snippet: apiToken.snippet.slice(0, 8),
          user: await ctx.services.users.get(apiToken.user.id),
        };
      });
    },
  }),
}));
