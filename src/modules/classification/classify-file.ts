import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { AppError } from '../../kernel/errors.js';
import { OutputBlocks, scanFile, Scanner, SuffixCache, workspace } from './classify-scanner.js';
import type { CompiledList } from './matcher.js';

export { splitCsvRecord } from './classify-scanner.js';

export interface ClassifyFileOptions {
  input: string;
  output: string;
  column: string;
  lists: readonly CompiledList[];
  /** How many bad lines to name in the error (all are counted). */
  reportLimit?: number;
  /** Bytes read at a time; also the longest line accepted. Default 2 MiB. */
  blockBytes?: number;
  /** Bytes kept for the memoised per-code output columns. Default 4 MiB. */
  cacheBytes?: number;
}

export interface ClassifyFileResult {
  rows: number;
  lists: string[];
}

/**
 * Streams a CSV of any size, appending for each list a status column (`<slug>`: full, partial or
 * none) and a category column (`<slug>_categories`, `|`-separated). Output goes to a temporary
 * file renamed into place at the end: on any bad row nothing is written, and the error lists the
 * bad lines. Results are memoised per distinct code.
 *
 * Why by hand rather than csv-parse: see Scanner; bench/classify-file.ts measures both against
 * the I/O limit. One thread: splitting a file between worker threads was tried and was slower on
 * two cores, where reading and writing already keep the second core busy.
 */
export async function classifyFile(opts: ClassifyFileOptions): Promise<ClassifyFileResult> {
  const blockBytes = opts.blockBytes ?? 2 << 20;
  const cacheBytes = opts.cacheBytes ?? 4 << 20;
  const tmp = `${opts.output}.partial-${process.pid}`;
  let input: FileHandle | undefined;
  let outFile: FileHandle | undefined;
  let out: OutputBlocks | undefined;
  try {
    try {
      input = await open(opts.input, 'r');
    } catch {
      throw new AppError('bad_request', `cannot read ${opts.input}`, { field: 'file' });
    }
    outFile = await open(tmp, 'w');
    const w = workspace(blockBytes, cacheBytes);
    out = new OutputBlocks(w.ws, w.outStart, w.outSize, outFile);
    const sc = new Scanner(
      w.ws,
      new SuffixCache(w.ws, cacheBytes, opts.lists),
      { column: opts.column, lists: opts.lists, reportLimit: opts.reportLimit ?? 50, blockBytes },
      out,
    );
    const o = out;
    await scanFile(sc, input, w, async () => (sc.badCount === 0 ? o.rotate() : o.discard()), opts.input);
    sc.finish();
    if (sc.columnIndex < 0)
      throw new AppError('bad_request', 'the file is empty (no header row)', { field: 'file' });
    if (sc.badCount > 0)
      throw new AppError(
        'bad_request',
        `${sc.badCount} bad row(s); nothing written. ${sc.badLines.join('; ')}${sc.badCount > sc.badLines.length ? '; …' : ''}`,
        { field: opts.column, details: { badRows: sc.badCount, lines: [...sc.badLines] } },
      );
    await out.finish();
    await outFile.close();
    outFile = undefined;
    await rename(tmp, opts.output);
    return { rows: sc.rows, lists: opts.lists.map((l) => l.slug) };
  } catch (e) {
    await out?.settle();
    await outFile?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    await input?.close().catch(() => undefined);
  }
}
