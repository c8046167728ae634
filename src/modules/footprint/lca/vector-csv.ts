import { AppError } from '../../../kernel/errors.js';

/**
 * A demand (final-demand, or reference-flow) vector as CSV: a header `index,amount`, then one
 * row per nonzero with the 0-based technosphere row and the amount. Repeated indices add up.
 * Errors name the file and the line.
 */
export function parseDemandCsv(text: string, size: number, file = 'demand'): Float64Array {
  const fail = (line: number, msg: string): never => {
    throw new AppError('bad_request', `${file}, line ${line}: ${msg}`, { details: { file, line } });
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim().replace(/^"|"$/g, '').toLowerCase());
  if (header.length !== 2 || header[0] !== 'index' || header[1] !== 'amount')
    return fail(1, `expected the header "index,amount", got "${(lines[0] ?? '').slice(0, 80)}"`);
  const f = new Float64Array(size);
  let rows = 0;
  for (let k = 1; k < lines.length; k++) {
    const t = lines[k]!.trim();
    if (t === '') continue;
    const parts = t.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (parts.length !== 2) return fail(k + 1, `expected 2 fields "index,amount", got ${parts.length}`);
    const [is, as] = parts as [string, string];
    if (!/^\d+$/.test(is)) return fail(k + 1, `index "${is}" is not a whole number`);
    const i = Number(is);
    if (i >= size)
      return fail(k + 1, `index ${i} is out of range: the technosphere has ${size} rows (0..${size - 1})`);
    const a = as === '' ? NaN : Number(as);
    if (!Number.isFinite(a)) return fail(k + 1, `amount "${as}" is not a finite number`);
    f[i]! += a;
    rows++;
  }
  if (rows === 0) return fail(lines.length, 'no demand rows after the header');
  return f;
}

export function writeDemandCsv(entries: readonly (readonly [number, number])[]): string {
  return ['index,amount', ...entries.map(([i, a]) => `${i},${a}`)].join('\n') + '\n';
}
