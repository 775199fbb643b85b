// API keys, kept in <dataDir>/auth/keys.json. A key is shown once, when it is created; the file
// holds its SHA-256 (a key is 32 random bytes, so a slow password hash buys nothing). The file is
// read again whenever it changes (json-file.ts), so a key revoked by `tributary keys revoke` stops
// working at once in a running server.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { WatchedJsonFile } from './json-file.ts';

export const KEY_ROLES = ['ingest', 'reader', 'admin'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: KeyRole;
  /** Streams an ingest key may write to, or a reader key read; absent: every stream. */
  streams?: string[];
  /** Records an ingest key may write per second, on average; absent: no limit. */
  maxRecordsPerSecond?: number;
  createdAt: string;
  revokedAt?: string;
}

interface StoredKey extends ApiKey {
  sha256: string;
}

const SECRET = /^trb_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class KeyStore {
  readonly #file: WatchedJsonFile<StoredKey[]>;

  constructor(dataDir: string) {
    this.#file = new WatchedJsonFile(join(dataDir, 'auth', 'keys.json'), () => []);
  }

  get file(): string {
    return this.#file.file;
  }

  /** Creates a key; the returned secret is the only time it is seen. */
  create(options: { name: string; role: KeyRole; streams?: string[]; maxRecordsPerSecond?: number }): { key: ApiKey; secret: string } {
    if (!KEY_ROLES.includes(options.role)) throw new Error(`role must be one of ${KEY_ROLES.join(', ')}, not '${options.role}'`);
    const keys = this.#file.read();
    let id: string;
    do id = randomBytes(4).toString('hex'); while (keys.some((key) => key.id === id));
    const secret = `trb_${id}_${randomBytes(32).toString('base64url')}`;
    const stored: StoredKey = {
      id, name: options.name, role: options.role, createdAt: new Date().toISOString(), sha256: digest(secret),
      ...(options.streams && options.streams.length > 0 ? { streams: options.streams } : {}),
      ...(options.maxRecordsPerSecond ? { maxRecordsPerSecond: options.maxRecordsPerSecond } : {}),
    };
    this.#file.write([...keys, stored]);
    return { key: withoutHash(stored), secret };
  }

  list(): ApiKey[] {
    return this.#file.read().map(withoutHash);
  }

  /** Revokes a key by id; false when there is no such key. */
  revoke(id: string): boolean {
    const keys = this.#file.read();
    const key = keys.find((candidate) => candidate.id === id);
    if (!key) return false;
    key.revokedAt ??= new Date().toISOString();
    this.#file.write(keys);
    return true;
  }

  /** Whether any key can still be used. */
  hasActiveKeys(): boolean {
    return this.#file.read().some((key) => !key.revokedAt);
  }

  /** The active key a secret belongs to, or null. */
  verify(secret: string): ApiKey | null {
    const match = SECRET.exec(secret);
    if (!match) return null;
    const key = this.#file.read().find((candidate) => candidate.id === match[1]);
    if (!key || key.revokedAt) return null;
    const want = Buffer.from(key.sha256, 'hex');
    const got = Buffer.from(digest(secret), 'hex');
    return want.length === got.length && timingSafeEqual(want, got) ? withoutHash(key) : null;
  }
}

function withoutHash(key: StoredKey): ApiKey {
  const { sha256: _, ...rest } = key;
  return rest;
}
