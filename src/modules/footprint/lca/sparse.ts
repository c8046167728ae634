/**
 * Compressed sparse column (CSC) matrices over typed arrays: the one matrix type of the LCA
 * engine. Row indices within a column are sorted and unique once built by `fromTriplets`.
 */
export interface Csc {
  readonly rows: number;
  readonly cols: number;
  /** `colPtr[j]..colPtr[j+1]` index the entries of column j; length cols + 1. */
  readonly colPtr: Int32Array;
  readonly rowIdx: Int32Array;
  readonly values: Float64Array;
}

export const nnz = (a: Csc): number => a.colPtr[a.cols]!;

/**
 * Builds a CSC matrix from coordinate triplets (0-based). Duplicates are summed, as Matrix
 * Market readers and SciPy do; explicit zeros are kept out so the pattern is the true one.
 */
export function fromTriplets(
  rows: number,
  cols: number,
  ri: ArrayLike<number>,
  ci: ArrayLike<number>,
  v: ArrayLike<number>,
  count = v.length,
): Csc {
  // Counting sort by column, then by row within each column through a second pass.
  const cnt = new Int32Array(cols + 1);
  for (let k = 0; k < count; k++) cnt[ci[k]! + 1]!++;
  for (let j = 0; j < cols; j++) cnt[j + 1]! += cnt[j]!;
  const next = cnt.slice(0, cols);
  const r1 = new Int32Array(count);
  const v1 = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const p = next[ci[k]!]!++;
    r1[p] = ri[k]!;
    v1[p] = v[k]!;
  }
  // Sort each column's rows and sum duplicates, using a dense marker of the last position per row.
  const colPtr = new Int32Array(cols + 1);
  const rowIdx = new Int32Array(count);
  const values = new Float64Array(count);
  const pos = new Int32Array(rows).fill(-1);
  let out = 0;
  for (let j = 0; j < cols; j++) {
    const start = out;
    for (let p = cnt[j]!; p < cnt[j + 1]!; p++) {
      const r = r1[p]!;
      const q = pos[r]!;
      if (q >= start) values[q]! += v1[p]!;
      else {
        pos[r] = out;
        rowIdx[out] = r;
        values[out++] = v1[p]!;
      }
    }
    sortColumn(rowIdx, values, start, out);
    // Drop entries that are (or summed to) exactly zero.
    let w = start;
    for (let p = start; p < out; p++)
      if (values[p] !== 0) {
        rowIdx[w] = rowIdx[p]!;
        values[w++] = values[p]!;
      }
    out = w;
    colPtr[j + 1] = out;
  }
  return { rows, cols, colPtr, rowIdx: rowIdx.slice(0, out), values: values.slice(0, out) };
}

/** Insertion sort for short columns, else sort an index permutation. */
function sortColumn(ri: Int32Array, v: Float64Array, lo: number, hi: number): void {
  let sorted = true;
  for (let p = lo + 1; p < hi && sorted; p++) if (ri[p - 1]! > ri[p]!) sorted = false;
  if (sorted) return;
  if (hi - lo <= 32) {
    for (let p = lo + 1; p < hi; p++) {
      const r = ri[p]!;
      const x = v[p]!;
      let q = p - 1;
      while (q >= lo && ri[q]! > r) {
        ri[q + 1] = ri[q]!;
        v[q + 1] = v[q]!;
        q--;
      }
      ri[q + 1] = r;
      v[q + 1] = x;
    }
    return;
  }
  const idx = Array.from({ length: hi - lo }, (_, k) => lo + k).sort((a, b) => ri[a]! - ri[b]!);
  const r2 = idx.map((k) => ri[k]!);
  const v2 = idx.map((k) => v[k]!);
  for (let k = 0; k < idx.length; k++) {
    ri[lo + k] = r2[k]!;
    v[lo + k] = v2[k]!;
  }
}

/** Dense (row-major array of rows) to CSC. */
export function fromDense(rows: readonly (readonly number[])[]): Csc {
  const m = rows.length;
  const n = m ? rows[0]!.length : 0;
  const ri: number[] = [];
  const ci: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const x = rows[i]![j]!;
      if (x !== 0) {
        ri.push(i);
        ci.push(j);
        v.push(x);
      }
    }
  return fromTriplets(m, n, ri, ci, v);
}

export function toDense(a: Csc): number[][] {
  const d = Array.from({ length: a.rows }, () => new Array<number>(a.cols).fill(0));
  for (let j = 0; j < a.cols; j++)
    for (let p = a.colPtr[j]!; p < a.colPtr[j + 1]!; p++) d[a.rowIdx[p]!]![j] = a.values[p]!;
  return d;
}

export function transpose(a: Csc): Csc {
  const cnt = new Int32Array(a.rows + 1);
  const m = nnz(a);
  for (let p = 0; p < m; p++) cnt[a.rowIdx[p]! + 1]!++;
  for (let i = 0; i < a.rows; i++) cnt[i + 1]! += cnt[i]!;
  const next = cnt.slice(0, a.rows);
  const rowIdx = new Int32Array(m);
  const values = new Float64Array(m);
  for (let j = 0; j < a.cols; j++)
    for (let p = a.colPtr[j]!; p < a.colPtr[j + 1]!; p++) {
      const q = next[a.rowIdx[p]!]!++;
      rowIdx[q] = j;
      values[q] = a.values[p]!;
    }
  return { rows: a.cols, cols: a.rows, colPtr: cnt, rowIdx, values };
}

/** y = A x. */
export function matVec(a: Csc, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(a.rows);
  for (let j = 0; j < a.cols; j++) {
    const xj = x[j]!;
    if (xj === 0) continue;
    for (let p = a.colPtr[j]!; p < a.colPtr[j + 1]!; p++) y[a.rowIdx[p]!]! += a.values[p]! * xj;
  }
  return y;
}

/** y = Aᵀ x. */
export function matTVec(a: Csc, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(a.cols);
  for (let j = 0; j < a.cols; j++) {
    let s = 0;
    for (let p = a.colPtr[j]!; p < a.colPtr[j + 1]!; p++) s += a.values[p]! * x[a.rowIdx[p]!]!;
    y[j] = s;
  }
  return y;
}

/** The infinity norm: the largest absolute row sum. */
export function normInf(a: Csc): number {
  const s = new Float64Array(a.rows);
  const m = nnz(a);
  for (let p = 0; p < m; p++) s[a.rowIdx[p]!]! += Math.abs(a.values[p]!);
  let best = 0;
  for (let i = 0; i < a.rows; i++) if (s[i]! > best) best = s[i]!;
  return best;
}

export function vecNormInf(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a > best) best = a;
  }
  return best;
}

/** Dense product of two CSC matrices (small: C·B with a few indicators). */
export function matMulDense(a: Csc, b: Csc): Float64Array[] {
  const out = Array.from({ length: a.rows }, () => new Float64Array(b.cols));
  for (let j = 0; j < b.cols; j++)
    for (let p = b.colPtr[j]!; p < b.colPtr[j + 1]!; p++) {
      const k = b.rowIdx[p]!;
      const bv = b.values[p]!;
      for (let q = a.colPtr[k]!; q < a.colPtr[k + 1]!; q++) out[a.rowIdx[q]!]![j]! += a.values[q]! * bv;
    }
  return out;
}
