// `tributary users create|list|password|remove`: people who sign in to the web UI and the query
// API with a password (docs/security.md). Works on the data directory directly, like `keys`; a
// running server sees a change at its next request (a removed user is signed out at once).
import type { Command } from 'commander';
import { USER_ROLES, UserStore, type UserRole } from '../auth/users.ts';
import { commaList } from '../config/load.ts';
import { formatTable } from './table.ts';
import { readSecret } from './read-secret.ts';

interface UserFlags {
  dataDir?: string;
}

const DATA_DIR_HELP = 'the server\'s data directory (default ./data; env TRIBUTARY_DATA_DIR)';

function store(flags: UserFlags): UserStore {
  return new UserStore(flags.dataDir ?? process.env.TRIBUTARY_DATA_DIR ?? './data');
}

async function newPassword(): Promise<string> {
  const password = await readSecret('password: ');
  if (process.stdin.isTTY && (await readSecret('again: ')) !== password) throw new Error('the two passwords differ: nothing changed');
  return password;
}

function fail(error: unknown): never {
  console.error(`tributary: ${(error as Error).message}`);
  process.exit(1);
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('people who sign in to the web UI and the query API (docs/security.md)');
  users.command('create')
    .description('create a user; the password is typed (or piped on stdin), never given as a flag')
    .requiredOption('--name <name>', 'the name to sign in with')
    .option('--role <role>', `${USER_ROLES.join(' or ')} (default reader)`, 'reader')
    .option('--streams <list>', 'only these streams may be read (comma-separated)')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .action(async (flags: UserFlags & { name: string; role: string; streams?: string }) => {
      try {
        const user = await store(flags).create({ name: flags.name, role: flags.role as UserRole, password: await newPassword(), ...(flags.streams ? { streams: commaList(flags.streams) } : {}) });
        console.log(`user ${user.name} (${user.role}${user.streams ? `, streams ${user.streams.join(', ')}` : ''}) created: sign in at the server's page`);
      } catch (error) {
        fail(error);
      }
    });
  users.command('list')
    .description('list users (never their password hashes)')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .action((flags: UserFlags) => {
      const rows = store(flags).list().map((user) => [user.name, user.role, user.streams?.join(',') ?? '*', user.createdAt, user.passwordSetAt]);
      console.log(formatTable(['NAME', 'ROLE', 'STREAMS', 'CREATED', 'PASSWORD SET'], rows));
    });
  users.command('password <name>')
    .description('set a user\'s password: their sessions end')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .action(async (name: string, flags: UserFlags) => {
      try {
        if (!(await store(flags).setPassword(name, await newPassword()))) fail(new Error(`no user ${name}: see npx tributary users list`));
        console.log(`password of ${name} changed; their sessions have ended`);
      } catch (error) {
        fail(error);
      }
    });
  users.command('remove <name>')
    .description('remove a user: signed out at their next request')
    .option('-d, --data-dir <dir>', DATA_DIR_HELP)
    .action((name: string, flags: UserFlags) => {
      if (!store(flags).remove(name)) fail(new Error(`no user ${name}: see npx tributary users list`));
      console.log(`user ${name} removed`);
    });
}
