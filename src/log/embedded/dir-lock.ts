import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LogError } from '../log.ts';

export const LOCK_FILE = '.lock';

/** Takes dir/.lock for this process; a lock left by a dead process is taken over. */
export async function acquireDirLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLockHolder(path);
    if (holder !== null && isAlive(holder)) {
      const who = holder === process.pid ? 'this process (opened twice)' : `process ${holder}`;
      throw new LogError('LOCKED', `log data dir ${dir} is in use by ${who}; stop it or use another dir (lock file ${path})`);
    }
    await rm(path, { force: true });
  }
  throw new LogError('LOCKED', `log data dir ${dir}: could not take the lock file ${path}, another process is racing for it`);
}

async function readLockHolder(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
