import { AppError } from '../../../kernel/errors.js';
import { fromTriplets, type Csc } from './sparse.js';

/**
 * Matrix Market (NIST) exchange format, the one Brightway, SciPy and SuiteSparse read and
 * write. Read: `coordinate` (sparse triplets) and `array` (dense, column-major), fields `real`,
 * `double` or `integer`, symmetry `general`, `symmetric` or `skew-symmetric`. `pattern` (no
 * values) and `complex` have no meaning as LCA coefficients and are refused by name. Indices
 * are 1-based in the file, 0-based here; duplicate coordinates are summed.
 */
export function parseMatrixMarket(text: string, file = 'matrix'): Csc {
  const fail = (line: number, msg: string): never => {
    throw new AppError('bad_request', `${file}, line ${line}: ${msg}`, { details: { file, line } });
  };
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): string | undefined => {
    if (pos >= text.length) return undefined;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const s = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    return s;
  };
  const header = nextLine();
  if (header === undefined) return fail(1, 'empty file, expected a %%MatrixMarket header');
  const h = header.trim().toLowerCase().split(/\s+/);
  if (h[0] !== '%%matrixmarket' || h[1] !== 'matrix')
    return fail(1, `not a Matrix Market matrix header: "${header.trim().slice(0, 80)}"`);
  const format = h[2];
  const field = h[3];
  const symmetry = h[4] ?? 'general';
  if (format !== 'coordinate' && format !== 'array')
    return fail(1, `format "${format}" is not supported: use coordinate or array`);
  if (field === 'pattern')
    return fail(1, 'field "pattern" has no values; LCA matrices need real coefficients');
  if (field !== 'real' && field !== 'double' && field !== 'integer')
    return fail(1, `field "${field}" is not supported: use real or integer`);
  if (symmetry !== 'general' && symmetry !== 'symmetric' && symmetry !== 'skew-symmetric')
    return fail(1, `symmetry "${symmetry}" is not supported: use general or symmetric`);
  // Size line after comments and blank lines.
  let sizeLine: string | undefined;
  for (;;) {
    const s = nextLine();
    if (s === undefined) return fail(lineNo, 'no size line');
    const t = s.trim();
    if (t === '' || t.startsWith('%')) continue;
    sizeLine = t;
    break;
  }
  const sizeAt = lineNo;
  const size = sizeLine.split(/\s+/).map(Number);
  const want = format === 'coordinate' ? 3 : 2;
  if (size.length !== want || size.some((v) => !Number.isInteger(v) || v < 0))
    return fail(
      sizeAt,
      `size line "${sizeLine}": expected ${format === 'coordinate' ? 'rows columns entries' : 'rows columns'}`,
    );
  const [m, n] = size as [number, number];
  if (symmetry !== 'general' && m !== n)
    return fail(sizeAt, `a ${symmetry} matrix must be square, not ${m}×${n}`);
  const mirror = symmetry === 'general' ? 0 : symmetry === 'symmetric' ? 1 : -1;
  const entries =
    format === 'coordinate'
      ? size[2]!
      : mirror === 0
        ? m * n
        : mirror === 1
          ? (n * (n + 1)) / 2
          : (n * (n - 1)) / 2;
  const cap = mirror === 0 ? entries : 2 * entries;
  const ri = new Int32Array(cap);
  const ci = new Int32Array(cap);
  const v = new Float64Array(cap);
  let count = 0;
  let read = 0;
  // For the dense layout: the position of the next value, column-major (lower triangle if symmetric).
  let ar = 0;
  let ac = 0;
  if (format === 'array' && mirror === -1) ar = 1;
  if (format === 'coordinate') {
    // A hand-rolled scanner: one pass over the characters, integers read digit by digit, the
    // value handed to Number(); about three times faster than splitting lines and tokens.
    const len = text.length;
    const isSpace = (ch: number) => ch === 32 || ch === 9 || ch === 13;
    while (read < entries) {
      if (pos >= len)
        return fail(lineNo + 1, `end of file after ${read} of ${entries} entries declared on line ${sizeAt}`);
      lineNo++;
      const lineStart = pos;
      let ch = text.charCodeAt(pos);
      while (isSpace(ch)) ch = text.charCodeAt(++pos);
      if (ch === 37 /* % */ || ch === 10 || pos >= len) {
        const end = text.indexOf('\n', pos);
        pos = end < 0 ? len : end + 1;
        continue;
      }
      let r = 0;
      let c = 0;
      let ok = true;
      let digits = 0;
      while (ch >= 48 && ch <= 57) {
        r = r * 10 + ch - 48;
        digits++;
        ch = text.charCodeAt(++pos);
      }
      if (!digits || !isSpace(ch)) ok = false;
      while (isSpace(ch)) ch = text.charCodeAt(++pos);
      digits = 0;
      while (ch >= 48 && ch <= 57) {
        c = c * 10 + ch - 48;
        digits++;
        ch = text.charCodeAt(++pos);
      }
      if (!digits || !isSpace(ch)) ok = false;
      while (isSpace(ch)) ch = text.charCodeAt(++pos);
      const vStart = pos;
      while (pos < len && !isSpace(ch) && ch !== 10) ch = text.charCodeAt(++pos);
      const token = text.slice(vStart, pos);
      while (isSpace(ch)) ch = text.charCodeAt(++pos);
      if (pos < len && ch !== 10) ok = false;
      const lineEnd = pos;
      pos++;
      if (!ok || token === '') {
        const line = text.slice(lineStart, lineEnd).trim();
        const parts = line.split(/\s+/);
        if (parts.length !== 3)
          return fail(lineNo, `expected "row column value", got "${line.slice(0, 80)}"`);
        return fail(lineNo, `index (${parts[0]}, ${parts[1]}) is not a pair of whole numbers`);
      }
      r--;
      c--;
      if (r < 0 || c < 0 || r >= m || c >= n)
        return fail(lineNo, `index (${r + 1}, ${c + 1}) outside the ${m}×${n} matrix`);
      const x = Number(token);
      if (!Number.isFinite(x)) return fail(lineNo, `value "${token}" is not a finite number`);
      if (mirror !== 0 && r < c)
        return fail(lineNo, `a ${symmetry} file lists the lower triangle only (row ≥ column)`);
      read++;
      if (x === 0) continue;
      ri[count] = r;
      ci[count] = c;
      v[count++] = x;
      if (mirror !== 0 && r !== c) {
        ri[count] = c;
        ci[count] = r;
        v[count++] = mirror * x;
      }
    }
  }
  while (read < entries) {
    const s = nextLine();
    if (s === undefined)
      return fail(lineNo + 1, `end of file after ${read} of ${entries} entries declared on line ${sizeAt}`);
    const t = s.trim();
    if (t === '' || t.startsWith('%')) continue;
    if (/\s/.test(t)) return fail(lineNo, `expected one value per line, got "${t.slice(0, 80)}"`);
    const x = Number(t);
    const r = ar;
    const c = ac;
    ar++;
    if (ar >= m) {
      ac++;
      ar = mirror === 0 ? 0 : mirror === 1 ? ac : ac + 1;
    }
    if (!Number.isFinite(x)) return fail(lineNo, `value "${t}" is not a finite number`);
    read++;
    if (x === 0) continue;
    ri[count] = r;
    ci[count] = c;
    v[count++] = x;
    if (mirror !== 0 && r !== c) {
      ri[count] = c;
      ci[count] = r;
      v[count++] = mirror * x;
    }
  }
  for (;;) {
    const s = nextLine();
    if (s === undefined) break;
    const t = s.trim();
    if (t !== '' && !t.startsWith('%'))
      return fail(lineNo, `more entries than the ${entries} declared on line ${sizeAt}`);
  }
  return fromTriplets(m, n, ri, ci, v, count);
}

/** Writes `coordinate real general`, values in the shortest form that reads back exactly. */
export function writeMatrixMarket(a: Csc, comment?: string): string {
  const nz = a.colPtr[a.cols]!;
  const out: string[] = ['%%MatrixMarket matrix coordinate real general'];
  if (comment) for (const l of comment.split('\n')) out.push(`% ${l}`);
  out.push(`${a.rows} ${a.cols} ${nz}`);
  for (let j = 0; j < a.cols; j++)
    for (let p = a.colPtr[j]!; p < a.colPtr[j + 1]!; p++)
      out.push(`${a.rowIdx[p]! + 1} ${j + 1} ${a.values[p]!}`);
  return out.join('\n') + '\n';
}
