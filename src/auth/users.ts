// Users of the web UI and the query API, kept in <dataDir>/auth/users.json: a name, a role
// (reader or admin, optionally limited to streams) and the scrypt hash of a password. A person
// signs in with them (session-routes.ts) instead of pasting an API key into the browser.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { join } from 'node:path';
import { WatchedJsonFile } from './json-file.ts';

export const USER_ROLES = ['reader', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const MIN_PASSWORD_LENGTH = 10;
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** scrypt's cost: N 2^15 (~50 ms and 32 MB a check here), as OWASP recommends for scrypt. */
const COST: ScryptOptions = { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 64;

export interface User {
  name: string;
  role: UserRole;
  /** Streams the user may read; absent: every stream. */
  streams?: string[];
  createdAt: string;
  /** When the password was last set: sessions begun before it end. */
  passwordSetAt: string;
}

interface StoredUser extends User {
  salt: string;
  scrypt: string;
}

function hash(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, COST, (error, key) => (error ? reject(error) : resolve(key))));
}

/** Why a password is refused; null when it is fine. */
export function passwordProblem(password: string): string | null {
  return password.length < MIN_PASSWORD_LENGTH ? `a password needs at least ${MIN_PASSWORD_LENGTH} characters` : null;
}

export class UserStore {
  readonly #file: WatchedJsonFile<StoredUser[]>;
  /** A hash to compare against for unknown names, so a wrong name costs as long as a wrong password. */
  #decoy: Promise<Buffer> | undefined;

  constructor(dataDir: string) {
    this.#file = new WatchedJsonFile(join(dataDir, 'auth', 'users.json'), () => []);
  }

  async create(options: { name: string; role: UserRole; password: string; streams?: string[] }): Promise<User> {
    if (!USER_NAME.test(options.name)) throw new Error(`a user name is 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit: not '${options.name}'`);
    if (!USER_ROLES.includes(options.role)) throw new Error(`a user's role is one of ${USER_ROLES.join(', ')}, not '${options.role}' (ingest is for API keys)`);
    const problem = passwordProblem(options.password);
    if (problem) throw new Error(problem);
    const users = this.#file.read();
    if (users.some((user) => user.name === options.name)) throw new Error(`user ${options.name} exists: change the password with tributary users password ${options.name}`);
    const now = new Date().toISOString();
    const stored: StoredUser = {
      name: options.name, role: options.role, createdAt: now, passwordSetAt: now, ...(await this.#secret(options.password)),
      ...(options.streams && options.streams.length > 0 ? { streams: options.streams } : {}),
    };
    this.#file.write([...users, stored]);
    return withoutSecret(stored);
  }

  async setPassword(name: string, password: string): Promise<boolean> {
    const problem = passwordProblem(password);
    if (problem) throw new Error(problem);
    const users = this.#file.read();
    const user = users.find((candidate) => candidate.name === name);
    if (!user) return false;
    Object.assign(user, await this.#secret(password), { passwordSetAt: new Date().toISOString() });
    this.#file.write(users);
    return true;
  }

  remove(name: string): boolean {
    const users = this.#file.read();
    const left = users.filter((user) => user.name !== name);
    if (left.length === users.length) return false;
    this.#file.write(left);
    return true;
  }

  list(): User[] {
    return this.#file.read().map(withoutSecret);
  }

  find(name: string): User | undefined {
    const user = this.#file.read().find((candidate) => candidate.name === name);
    return user && withoutSecret(user);
  }

  hasUsers(): boolean {
    return this.#file.read().length > 0;
  }

  /** The user whose password this is, or null; as slow for an unknown name as for a wrong password. */
  async verify(name: string, password: string): Promise<User | null> {
    const user = this.#file.read().find((candidate) => candidate.name === name);
    if (!user) {
      this.#decoy ??= hash('decoy', randomBytes(16));
      await Promise.all([this.#decoy, hash(password, randomBytes(16))]);
      return null;
    }
    const want = Buffer.from(user.scrypt, 'base64');
    const got = await hash(password, Buffer.from(user.salt, 'base64'));
    return want.length === got.length && timingSafeEqual(want, got) ? withoutSecret(user) : null;
  }

  async #secret(password: string): Promise<{ salt: string; scrypt: string }> {
    const salt = randomBytes(16);
    return { salt: salt.toString('base64'), scrypt: (await hash(password, salt)).toString('base64') };
  }
}

function withoutSecret(user: StoredUser): User {
  const { salt: _salt, scrypt: _scrypt, ...rest } = user;
  return rest;
}
