import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs a directory so a created, renamed or deleted entry in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `data` so that a crash leaves either the old or the new content. */
export async function writeFileAtomic(path: string, data: string | Buffer, fsync = true): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    if (fsync) await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tmp, path);
  if (fsync) await fsyncDir(dirname(path));
}
