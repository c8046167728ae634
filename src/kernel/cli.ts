import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError } from './errors.js';

/** Prints `data` as JSON when `--json` was given, else as the human text `text` renders. */
export function output(cmd: Command, data: unknown, text: () => string): void {
  if (cmd.optsWithGlobals<{ json?: boolean }>().json)
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else process.stdout.write(text() + '\n');
}

/** A plain text table with padded columns. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Opens what a command needs, runs it, and always closes. */
export type Opener<T> = () => Promise<T & { close(): Promise<void> }>;
export async function using<T, R>(open: Opener<T>, fn: (t: T) => Promise<R>): Promise<R> {
  const t = await open();
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/** A JSON file named on the command line, refused by its size before it is read (default 1 MiB). */
export function readJsonFile(file: string, maxBytes = 1 << 20): unknown {
  let text: string;
  try {
    if (statSync(file).size > maxBytes)
      throw new AppError('bad_request', `${file}: larger than ${+(maxBytes / 2 ** 20).toFixed(2)} MiB`, {
        field: 'file',
      });
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('bad_request', `${file}: not JSON (${(e as Error).message})`, { field: 'file' });
  }
}
