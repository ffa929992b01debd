/** io login | whoami, io users list | create, io tokens create (GraphQL; tokens are shown once). */
import { Option, type Command } from 'commander';
import type { Me } from '@intellioptics/schema';
import { CloudClient } from '../cloud.client';
import { saveConfig } from '../config.store';
import type { Context } from '../context';
import { CliError } from '../errors';
import { CREATE_API_TOKEN, CREATE_USER, ME, USERS, type Payload, type User } from '../graphql.operations';
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

  const tokens = program.command('tokens').description('API tokens');
  tokens
    .command('create')
    .description('a new API token (printed once)')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--user <user>', 'username or id (default: yourself)')
    .action(async function (this: Command) {
      const o = this.opts<{ name: string; user?: string }>();
      const cloud = ctx.cloud();
      let userId: string | undefined;
      if (o.user) {
        const { users: list } = await cloud.graphql<{ users: User[] }>(USERS);
        const u = list.find((x) => x.id === o.user || x.username === o.user);
        if (!u) throw new CliError(`No user ${JSON.stringify(o.user)}: see io users list.`);
        userId = u.id;
      }
      const r = await cloud.mutate<Payload & { token: string; snippet: string; user: User }>(
        CREATE_API_TOKEN,
        { name: o.name, userId },
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
}
