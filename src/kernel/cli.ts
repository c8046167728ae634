import type { Command } from 'commander';

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
