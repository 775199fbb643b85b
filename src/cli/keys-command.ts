// `tributary keys create|list|revoke`: API keys for a server that requires them (docs/security.md).
// Works on the data directory directly, so the first admin key can be made before any server
// runs; a running server sees a change at its next request.
import type { Command } from 'commander';
import { KEY_ROLES, KeyStore, type KeyRole } from '../auth/keys.ts';
import { commaList } from '../config/load.ts';
import { formatTable } from './table.ts';

interface KeyFlags {
  dataDir?: string;
}

function store(flags: KeyFlags): KeyStore {
  return new KeyStore(flags.dataDir ?? process.env.TRIBUTARY_DATA_DIR ?? './data');
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys: who may write, read or administer (docs/security.md)');
  keys.command('create')
    .description('create a key and print it (it is shown this once)')
    .requiredOption('--name <name>', 'who or what the key is for, e.g. filebeat-eu')
    .option('--role <role>', `${KEY_ROLES.join(', ')} (default ingest)`, 'ingest')
    .option('--streams <list>', 'an ingest key writes, a reader key reads, only these streams (comma-separated)')
    .option('--max-records-per-second <n>', 'an ingest key\'s rate limit (429 with Retry-After past it)')
    .option('-d, --data-dir <dir>', 'the server\'s data directory (default ./data; env TRIBUTARY_DATA_DIR)')
    .action((flags: KeyFlags & { name: string; role: string; streams?: string; maxRecordsPerSecond?: string }) => {
      if (!(KEY_ROLES as readonly string[]).includes(flags.role)) {
        console.error(`tributary: --role must be one of ${KEY_ROLES.join(', ')}, not '${flags.role}'`);
        process.exit(2);
      }
      const rate = flags.maxRecordsPerSecond === undefined ? undefined : Number(flags.maxRecordsPerSecond);
      if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
        console.error(`tributary: --max-records-per-second must be a positive number, not '${flags.maxRecordsPerSecond}'`);
        process.exit(2);
      }
      const { key, secret } = store(flags).create({
        name: flags.name, role: flags.role as KeyRole, ...(flags.streams ? { streams: commaList(flags.streams) } : {}), ...(rate ? { maxRecordsPerSecond: rate } : {}),
      });
      console.log(secret);
      console.error(`key ${key.id} (${key.name}, ${key.role}${key.streams ? `, streams ${key.streams.join(', ')}` : ''}) created: send it as Authorization: Bearer <key>; it is not shown again`);
    });
  keys.command('list')
    .description('list keys (never their secrets)')
    .option('-d, --data-dir <dir>', 'the server\'s data directory (default ./data; env TRIBUTARY_DATA_DIR)')
    .action((flags: KeyFlags) => {
      const rows = store(flags).list().map((key) => [key.id, key.name, key.role, key.streams?.join(',') ?? '*', key.createdAt, key.revokedAt ?? '']);
      console.log(formatTable(['ID', 'NAME', 'ROLE', 'STREAMS', 'CREATED', 'REVOKED'], rows));
    });
  keys.command('revoke <id>')
    .description('revoke a key: a running server refuses it from its next request')
    .option('-d, --data-dir <dir>', 'the server\'s data directory (default ./data; env TRIBUTARY_DATA_DIR)')
    .action((id: string, flags: KeyFlags) => {
      if (!store(flags).revoke(id)) {
        console.error(`tributary: no key ${id}: see npx tributary keys list`);
        process.exit(1);
      }
      console.log(`key ${id} revoked`);
    });
}
