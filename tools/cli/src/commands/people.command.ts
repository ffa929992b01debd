/** io login | whoami, io users list | create | disable | enable, io tokens create | list | revoke (GraphQL). */
import { Option, type Command } from 'commander';
import type { Me } from '@intellioptics/schema';
import { CloudClient } from '../cloud.client';
import { saveConfig } from '../config.store';
import type { Context } from '../context';
import { CliError } from '../errors';
import {
  API_TOKENS,
  CREATE_API_TOKEN,
  CREATE_USER,
  ME,
  REVOKE_API_TOKEN,
  SET_USER_DISABLED,
  USERS,
  type ApiToken,
  type Payload,
  type User,
} from '../graphql.operations';
import { table } from '../output';

export function registerPeople(program: Command, ctx: Context): void {
  program
    .command('login')
    .description('check a cloud URL and API token and keep them for the next commands')
    .requiredOption('--url <url>', 'the cloud, e.g. https://cloud.example.com')
    .requiredOption(
      '--token <token>',
      'an API token (io tokens create, or IO_BOOTSTRAP_TOKEN on a new cloud)',
    )
    .action(async function (this: Command) {
      const o = this.opts<{ url: string; token: string }>();
      let url: string;
      try {
        url = new URL(o.url).toString().replace(/\/+$/, '');
      } catch {
        throw new CliError(
          `--url ${JSON.stringify(o.url)} is not a URL: give e.g. https://cloud.example.com.`,
        );
      }
      const me = await new CloudClient(url, o.token).rest<Me>('GET', '/v1/me');
      const file = saveConfig(ctx.io.env, { url, token: o.token });
      ctx
        .out(this)
        .print(
          { url, username: me.username, config: file },
          (r) => `logged in to ${r.url} as ${r.username} (saved in ${r.config})`,
        );
    });

  program
    .command('whoami')
    .description('the user (or hub) the stored token belongs to')
    .action(async function (this: Command) {
      const { me } = await ctx
        .cloud()
        .graphql<{ me: { id: string; kind: string; name: string; role: string } }>(ME);
      ctx.out(this).print(me, (m) => `${m.name} (${m.role}) at ${ctx.cloud().url}`);
    });

  const users = program.command('users').description('people who review and administer');
  users.command('list').action(async function (this: Command) {
    const { users: list } = await ctx.cloud().graphql<{ users: User[] }>(USERS);
    ctx.out(this).print(list, (l) => table(l.map((u) => ({ ...u }))));
  });
  users
    .command('create')
    .requiredOption('--username <name>', 'login name')
    .requiredOption('--email <email>', 'email address')
    .addOption(
      new Option('--role <role>', 'what they may do').choices(['ADMIN', 'REVIEWER']).default('REVIEWER'),
    )
    .action(async function (this: Command) {
      const o = this.opts<{ username: string; email: string; role: string }>();
      const { user } = await ctx
        .cloud()
        .mutate<Payload & { user: User }>(CREATE_USER, { input: o }, 'createUser');
      ctx
        .out(this)
        .print(
          user,
          (u) =>
            `created ${u.role} ${u.username} (${u.id}): give them a token with io tokens create --user ${u.username}`,
        );
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <user>`)
      .description(
        disabled ? 'stop a user: none of their tokens work, their sessions close' : 'let a user in again',
      )
      .action(async function (this: Command, ref: string) {
        const cloud = ctx.cloud();
        const u = await resolveUser(cloud, ref);
        const { user } = await cloud.mutate<Payload & { user: User }>(
          SET_USER_DISABLED,
          { id: u.id, disabled },
          'setUserDisabled',
        );
        ctx.out(this).print(user, (x) => `${x.username} is ${x.disabledAt ? 'disabled' : 'enabled'}`);
      });
  }

  const tokens = program.command('tokens').description('API tokens');
  tokens
    .command('create')
    .description('a new API token (printed once)')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--user <user>', 'username or id (default: yourself)')
    .option(
      '--expires-in-days <days>',
      "lifetime (default: the cloud's API_TOKEN_TTL_DAYS; 0 = never)",
      Number,
    )
    .action(async function (this: Command) {
      const o = this.opts<{ name: string; user?: string; expiresInDays?: number }>();
      const cloud = ctx.cloud();
      const userId = o.user ? (await resolveUser(cloud, o.user)).id : undefined;
      const r = await cloud.mutate<Payload & { token: string; snippet: string; user: User }>(
        CREATE_API_TOKEN,
        { name: o.name, userId, expiresInDays: o.expiresInDays },
        'createApiToken',
      );
      ctx
        .out(this)
        .print(
          { token: r.token, snippet: r.snippet, user: r.user.username },
          (t) =>
            `${t.token}\n(token for ${t.user}: shown only now; sign in with io login --url ${cloud.url} --token <it>)`,
        );
    });

  tokens
    .command('list')
    .description("a user's tokens, newest first (secrets are never shown again)")
    .option('--user <user>', 'username or id (default: yourself)')
    .action(async function (this: Command) {
      const o = this.opts<{ user?: string }>();
      const cloud = ctx.cloud();
      const userId = o.user ? (await resolveUser(cloud, o.user)).id : undefined;
      const { apiTokens } = await cloud.graphql<{ apiTokens: ApiToken[] }>(API_TOKENS, { userId });
      ctx.out(this).print(apiTokens, (l) =>
        table(
          l.map((t) => ({
            id: t.id,
            name: t.name,
            snippet: `${t.snippet}…`,
            created: t.createdAt,
            lastUsed: t.lastUsedAt,
            expires: t.expiresAt ?? 'never',
            revoked: t.revokedAt,
          })),
        ),
      );
    });

  tokens
    .command('revoke <token>')
    .description('stop a token at once (its id, or its first characters as io tokens list shows them)')
    .option('--user <user>', 'whose token (default: yourself)')
    .action(async function (this: Command, ref: string) {
      const o = this.opts<{ user?: string }>();
      const cloud = ctx.cloud();
      const userId = o.user ? (await resolveUser(cloud, o.user)).id : undefined;
      const { apiTokens } = await cloud.graphql<{ apiTokens: ApiToken[] }>(API_TOKENS, { userId });
      const wanted = ref.replace(/…$/, '');
      const found = apiTokens.filter(
        (t) => t.id === wanted || t.snippet === wanted || wanted.startsWith(t.snippet),
      );
      if (found.length !== 1) {
        throw new CliError(
          found.length === 0
            ? `No token ${JSON.stringify(ref)}${o.user ? ` of ${o.user}` : ''}: see io tokens list${o.user ? ` --user ${o.user}` : ''}.`
            : `${JSON.stringify(ref)} matches ${found.length} tokens: give the id from io tokens list.`,
        );
      }
      const { apiToken } = await cloud.mutate<Payload & { apiToken: ApiToken }>(
        REVOKE_API_TOKEN,
        { id: found[0]!.id },
        'revokeApiToken',
      );
      ctx.out(this).print(apiToken, (t) => `revoked ${t.name} (${t.snippet}…)`);
    });
}

async function resolveUser(cloud: CloudClient, ref: string): Promise<User> {
  const { users } = await cloud.graphql<{ users: User[] }>(USERS);
  const u = users.find((x) => x.id === ref || x.username === ref);
  if (!u) throw new CliError(`No user ${JSON.stringify(ref)}: see io users list.`);
  return u;
}
