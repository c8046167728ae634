import { openSync, closeSync, writeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../kernel/errors.js';

export interface DirLock {
  release(): void;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const heldHere = new Set<string>();

/** An exclusive lock file in `dir`, taken over when the process that held it is gone. */
export function acquireDirLock(dir: string): DirLock {
  const path = join(dir, 'greentrade.lock');
  if (heldHere.has(path))
    throw new AppError('conflict', `the data directory ${dir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(path);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        heldHere.delete(path);
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new AppError(
          'conflict',
          `the data directory ${dir} is in use by process ${pid} (a running server?); stop it, or use DATABASE_URL with a PostgreSQL server`,
        );
      }
      unlinkSync(path); // stale lock of a dead process
    }
  }
  throw new AppError('conflict', `could not lock the data directory ${dir}`);
}
