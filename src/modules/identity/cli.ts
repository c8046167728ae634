import { Command } from 'commander';
import type { Db } from '../../db/index.js';
import { ROLES, type Role } from '../../kernel/access.js';
import { output, using, type Opener } from '../../kernel/cli.js';
import { AppError } from '../../kernel/errors.js';
import { NewUserSchema, OrgSlug } from './model.js';
import { admin } from './service.js';

type Open = Opener<{ db: Db }>;

const rolesOption = (v: string): Role[] => {
  const roles = v.split(',').map((r) => r.trim());
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length > 0)
    throw new AppError('bad_request', `--role: unknown ${bad.join(', ')}; roles are ${ROLES.join(', ')}`, {
      field: 'role',
    });
  return roles as Role[];
};

async function readPassword(): Promise<string> {
  // Never from an argument: arguments show in process lists and shell history.
  const fromEnv = process.env['GREENTRADE_PASSWORD'];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY)
    throw new AppError('bad_request', 'set GREENTRADE_PASSWORD or pipe the password on standard input', {
      field: 'password',
    });
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

export function identityCli(open: Open): Command[] {
  const org = new Command('org').description('Organisations (tenants)').option('--json', 'JSON output');
  org
    .command('create')
    .argument('<slug>', 'lower-case letters, digits, dashes')
    .argument('<name>')
    .action(async (slug: string, name: string, _o: unknown, cmd: Command) => {
      const parsed = OrgSlug.safeParse(slug);
      if (!parsed.success)
        throw new AppError('bad_request', `slug: ${parsed.error.issues[0]?.message}`, { field: 'slug' });
      await using(open, async ({ db }) => {
        const id = await admin.ensureOrg(db, slug, name);
        output(cmd, { id, slug, name }, () => `organisation ${slug} (${id})`);
      });
    });

  const user = new Command('user')
    .description('Users (password from GREENTRADE_PASSWORD or standard input)')
    .option('--json', 'JSON output');
  user
    .command('create')
    .requiredOption('--org <slug>', 'organisation')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>')
    .option('--role <roles>', `comma-separated: ${ROLES.join(', ')}`, rolesOption, ['member'] as Role[])
    .action(async (o: { org: string; email: string; name: string; role: Role[] }, cmd: Command) => {
      const parsed = NewUserSchema.safeParse({
        email: o.email,
        name: o.name,
        password: await readPassword(),
      });
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new AppError('bad_request', `${i?.path.join('.')}: ${i?.message}`, {
          field: i?.path.join('.') ?? 'user',
        });
      }
      await using(open, async ({ db }) => {
        const orgId = await admin.orgIdBySlug(db, o.org);
        const id = await db.transaction((tx) =>
          admin.createUser(tx, { ...parsed.data, orgId, roles: o.role }),
        );
        output(
          cmd,
          { id, email: parsed.data.email, org: o.org, roles: o.role },
          () => `user ${parsed.data.email} (${id}) in ${o.org} as ${o.role.join(', ')}`,
        );
      });
    });
  user
    .command('grant')
    .requiredOption('--org <slug>')
    .requiredOption('--email <email>')
    .requiredOption('--role <roles>', ROLES.join(', '), rolesOption)
    .action(async (o: { org: string; email: string; role: Role[] }, cmd: Command) =>
      using(open, async ({ db }) => {
        const orgId = await admin.orgIdBySlug(db, o.org);
        for (const r of o.role) await admin.grant(db, o.email, orgId, r);
        output(
          cmd,
          { email: o.email, org: o.org, roles: o.role },
          () => `${o.email} now has ${o.role.join(', ')} in ${o.org}`,
        );
      }),
    );

  const client = new Command('client')
    .description('API clients (OAuth2 client credentials)')
    .option('--json', 'JSON output');
  client
    .command('create')
    .requiredOption('--org <slug>')
    .requiredOption('--id <clientId>')
    .option('--name <name>')
    .option('--role <roles>', ROLES.join(', '), rolesOption, ['member'] as Role[])
    .action(async (o: { org: string; id: string; name?: string; role: Role[] }, cmd: Command) =>
      using(open, async ({ db }) => {
        const orgId = await admin.orgIdBySlug(db, o.org);
        const secret = await admin.createClient(db, {
          clientId: o.id,
          name: o.name ?? o.id,
          orgId,
          roles: o.role,
        });
        output(
          cmd,
          { client_id: o.id, client_secret: secret },
          () =>
            `client_id: ${o.id}\nclient_secret: ${secret}\n(the secret is shown once; only its hash is stored)`,
        );
      }),
    );
  return [org, user, client];
}
