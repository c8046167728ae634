import { AppError } from '../../../kernel/errors.js';
import { minimumDegreeOrder } from './amd.js';
import type { Csc } from './sparse.js';

/**
 * Sparse LU factorisation P·T·Q = L·U, left-looking (Gilbert–Peierls, as CSparse's cs_lu):
 * column k of L and U comes from one sparse triangular solve whose nonzero pattern is found by
 * a depth-first search, so the work is proportional to the flops. Q is a minimum-degree
 * ordering of T + Tᵀ; rows are pivoted by threshold partial pivoting that keeps the diagonal
 * entry T[q[k], q[k]] whenever it is at least `PIVOT_THRESHOLD` times the largest candidate, so
 * the fill-reducing symmetric order survives on the diagonally dominant matrices of LCA.
 */
export interface LuFactors {
  readonly n: number;
  /** L: unit lower triangular, diagonal first in each column, rows in pivot order. */
  readonly lp: Int32Array;
  readonly li: Int32Array;
  readonly lx: Float64Array;
  /** U: upper triangular, diagonal last in each column. */
  readonly up: Int32Array;
  readonly ui: Int32Array;
  readonly ux: Float64Array;
  /** pinv[i] = the pivot step of original row i. */
  readonly pinv: Int32Array;
  /** q[k] = the original column eliminated at step k. */
  readonly q: Int32Array;
}

export const PIVOT_THRESHOLD = 0.1;
/** The largest trailing block factorised as a dense matrix (8·r² bytes: 72 MB at 3,000). */
export const MAX_DENSE_BLOCK = 3000;

export interface LuOptions {
  /** The column ordering; default minimum degree on T + Tᵀ. */
  order?: Int32Array;
  /** The step from which the ordering found a dense trailing block (default: none, or the ordering's). */
  denseFrom?: number;
  /** Names of the columns for the singular-matrix message (default `activity <j>`). */
  columnName?: (j: number) => string;
}

/**
 * The factorisation runs in two phases. Sparse, left-looking, up to the dense trailing block that
 * the ordering reports (in an ecoinvent-like system: the producers first, each adding a few
 * entries). Then the Schur complement of that block is formed (one sparse triangular solve per
 * column, against the sparse part of L only) and factorised as a dense matrix, with the same
 * threshold pivoting: a depth-first search per column of a dense block would cost more than its
 * arithmetic.
 */
export function luFactor(a: Csc, opts: LuOptions = {}): LuFactors {
  const n = a.cols;
  if (a.rows !== n) throw new AppError('bad_request', `cannot factorise a ${a.rows}×${n} matrix: not square`);
  let q: Int32Array;
  let denseFrom = opts.denseFrom ?? n;
  if (opts.order) q = opts.order;
  else {
    const o = minimumDegreeOrder(a);
    q = o.perm;
    if (opts.denseFrom === undefined) denseFrom = o.denseFrom;
  }
  if (n - denseFrom > MAX_DENSE_BLOCK || n - denseFrom < 2) denseFrom = n;
  const name = opts.columnName ?? ((j: number) => `activity ${j} (column ${j}, 0-based)`);
  const singular = (col: number, k: number): never => {
    throw new AppError('bad_request', `singular technosphere: no usable pivot at ${name(col)}`, {
      details: { column: col, step: k },
    });
  };
  const anz = a.colPtr[n]!;
  let lcap = Math.max(2 * anz + n, 16);
  let ucap = lcap;
  let li: Int32Array = new Int32Array(lcap);
  let lx: Float64Array = new Float64Array(lcap);
  let ui: Int32Array = new Int32Array(ucap);
  let ux: Float64Array = new Float64Array(ucap);
  const ensure = (lneed: number, uneed: number) => {
    if (lneed > lcap) {
      lcap = Math.max(2 * lcap, lneed);
      li = grow(li, lcap);
      lx = growF(lx, lcap);
    }
    if (uneed > ucap) {
      ucap = Math.max(2 * ucap, uneed);
      ui = grow(ui, ucap);
      ux = growF(ux, ucap);
    }
  };
  const lp = new Int32Array(n + 1);
  const up = new Int32Array(n + 1);
  const pinv = new Int32Array(n).fill(-1);
  const x = new Float64Array(n);
  const xi = new Int32Array(n);
  const stack = new Int32Array(n);
  const pstack = new Int32Array(n);
  const mark = new Int32Array(n).fill(-1);
  // A pivot below this, relative to the column's largest entry, is taken as zero: rounding
  // noise of an exactly singular matrix.
  const tiny = Math.max(n, 100) * Number.EPSILON;
  const colMaxOf = (col: number) => {
    let m = 0;
    for (let p = a.colPtr[col]!; p < a.colPtr[col + 1]!; p++) m = Math.max(m, Math.abs(a.values[p]!));
    return m;
  };

  /**
   * x = L \ T[:, col] over the columns of L computed so far; returns `top`: the rows that can be
   * nonzero are xi[top..n), in topological order (found by depth-first search, as cs_reach).
   */
  const solveColumn = (col: number, stamp: number): number => {
    let top = n;
    for (let p = a.colPtr[col]!; p < a.colPtr[col + 1]!; p++) {
      const r = a.rowIdx[p]!;
      if (mark[r] === stamp) continue;
      let head = 0;
      stack[0] = r;
      while (head >= 0) {
        const j = stack[head]!;
        const jn = pinv[j]!;
        if (mark[j] !== stamp) {
          mark[j] = stamp;
          pstack[head] = jn < 0 ? 0 : lp[jn]!;
        }
        let done = true;
        const p2 = jn < 0 ? 0 : lp[jn + 1]!;
        for (let pp = pstack[head]!; pp < p2; pp++) {
          const i = li[pp]!;
          if (mark[i] === stamp) continue;
          pstack[head] = pp;
          stack[++head] = i;
          done = false;
          break;
        }
        if (done) {
          head--;
          xi[--top] = j;
        }
      }
    }
    for (let p = top; p < n; p++) x[xi[p]!] = 0;
    for (let p = a.colPtr[col]!; p < a.colPtr[col + 1]!; p++) x[a.rowIdx[p]!] = a.values[p]!;
    // L has a unit diagonal stored first in each column.
    for (let px = top; px < n; px++) {
      const j = xi[px]!;
      const jn = pinv[j]!;
      if (jn < 0) continue;
      const xj = x[j]!;
      if (xj === 0) continue;
      for (let p = lp[jn]! + 1; p < lp[jn + 1]!; p++) x[li[p]!]! -= lx[p]! * xj;
    }
    return top;
  };

  let lnz = 0;
  let unz = 0;
  for (let k = 0; k < denseFrom; k++) {
    lp[k] = lnz;
    up[k] = unz;
    ensure(lnz + n, unz + n);
    const col = q[k]!;
    const top = solveColumn(col, k);
    // The pivot: the largest candidate, unless the diagonal is within the threshold.
    let ipiv = -1;
    let best = -1;
    for (let p = top; p < n; p++) {
      const i = xi[p]!;
      if (pinv[i]! < 0) {
        const t = Math.abs(x[i]!);
        if (t > best) {
          best = t;
          ipiv = i;
        }
      } else {
        ui[unz] = pinv[i]!;
        ux[unz++] = x[i]!;
      }
    }
    const colMax = colMaxOf(col);
    if (ipiv === -1 || colMax === 0 || best <= tiny * colMax) singular(col, k);
    if (pinv[col]! < 0 && mark[col] === k && Math.abs(x[col]!) >= best * PIVOT_THRESHOLD) ipiv = col;
    const pivot = x[ipiv]!;
    ui[unz] = k;
    ux[unz++] = pivot;
    pinv[ipiv] = k;
    li[lnz] = ipiv;
    lx[lnz++] = 1;
    for (let p = top; p < n; p++) {
      const i = xi[p]!;
      if (pinv[i]! < 0) {
        const v = x[i]! / pivot;
        if (v !== 0) {
          li[lnz] = i;
          lx[lnz++] = v;
        }
      }
      x[i] = 0;
    }
  }

  if (denseFrom < n) {
    const k0 = denseFrom;
    const r = n - k0;
    lp[k0] = lnz; // closes the last sparse column of L, which the solves below read
    // The rows not pivoted yet, by local index.
    const rows = new Int32Array(r);
    const local = new Int32Array(n).fill(-1);
    for (let i = 0, t = 0; i < n; i++)
      if (pinv[i]! < 0) {
        rows[t] = i;
        local[i] = t++;
      }
    // The Schur complement S (column-major, r×r) and, per column, the part of U above it.
    const S = new Float64Array(r * r);
    const u12p = new Int32Array(r + 1);
    const u12i: number[] = [];
    const u12x: number[] = [];
    const colMax = new Float64Array(r);
    for (let t = 0; t < r; t++) {
      const col = q[k0 + t]!;
      colMax[t] = colMaxOf(col);
      const top = solveColumn(col, k0 + t);
      for (let p = top; p < n; p++) {
        const i = xi[p]!;
        const v = x[i]!;
        x[i] = 0;
        if (pinv[i]! >= 0) {
          if (v !== 0) {
            u12i.push(pinv[i]!);
            u12x.push(v);
          }
        } else S[t * r + local[i]!] = v;
      }
      u12p[t + 1] = u12i.length;
    }
    // Dense LU with row interchanges, preferring the diagonal row q[k0 + j]. Two pivots per
    // sweep: the trailing matrix gets one rank-2 update instead of two rank-1 updates, half the
    // passes over memory.
    const pivotColumn = (j: number) => {
      const cj = j * r;
      let ip = -1;
      let best = -1;
      let diag = -1;
      const want = q[k0 + j]!;
      for (let i = j; i < r; i++) {
        const t = Math.abs(S[cj + i]!);
        if (t > best) {
          best = t;
          ip = i;
        }
        if (rows[i] === want) diag = i;
      }
      if (ip < 0 || colMax[j] === 0 || best <= tiny * colMax[j]!) singular(want, k0 + j);
      if (diag >= 0 && Math.abs(S[cj + diag]!) >= best * PIVOT_THRESHOLD) ip = diag;
      if (ip !== j) {
        for (let o = 0; o < r * r; o += r) {
          const tmp = S[o + j]!;
          S[o + j] = S[o + ip]!;
          S[o + ip] = tmp;
        }
        const tr = rows[j]!;
        rows[j] = rows[ip]!;
        rows[ip] = tr;
      }
      const piv = S[cj + j]!;
      for (let i = j + 1; i < r; i++) S[cj + i]! /= piv;
    };
    let j = 0;
    for (; j + 1 < r; j += 2) {
      const c0 = j * r;
      const c1 = c0 + r;
      pivotColumn(j);
      const f = S[c1 + j]!;
      if (f !== 0) axpy(S, c1, c0, -f, j + 1, r);
      pivotColumn(j + 1);
      rank2Update(S, r, j);
    }
    if (j < r) pivotColumn(j);
    for (let j = 0; j < r; j++) pinv[rows[j]!] = k0 + j;
    // Write the block's columns of L and U in the sparse layout.
    for (let j = 0; j < r; j++) {
      const k = k0 + j;
      const cj = j * r;
      lp[k] = lnz;
      up[k] = unz;
      ensure(lnz + r, unz + (u12p[j + 1]! - u12p[j]!) + r);
      li[lnz] = rows[j]!;
      lx[lnz++] = 1;
      for (let i = j + 1; i < r; i++) {
        const v = S[cj + i]!;
        if (v !== 0) {
          li[lnz] = rows[i]!;
          lx[lnz++] = v;
        }
      }
      for (let p = u12p[j]!; p < u12p[j + 1]!; p++) {
        ui[unz] = u12i[p]!;
        ux[unz++] = u12x[p]!;
      }
      for (let i = 0; i < j; i++) {
        const v = S[cj + i]!;
        if (v !== 0) {
          ui[unz] = k0 + i;
          ux[unz++] = v;
        }
      }
      ui[unz] = k;
      ux[unz++] = S[cj + j]!;
    }
  }
  lp[n] = lnz;
  up[n] = unz;
  // L's row indices become pivot steps, so the solves index one permuted vector.
  for (let p = 0; p < lnz; p++) li[p] = pinv[li[p]!]!;
  return {
    n,
    lp,
    li: li.slice(0, lnz),
    lx: lx.slice(0, lnz),
    up,
    ui: ui.slice(0, unz),
    ux: ux.slice(0, unz),
    pinv,
    q,
  };
}

/** y[oy + i] += a·x[ox + i] for i in [from, to): one column of a dense update. */
function axpy(s: Float64Array, oy: number, ox: number, a: number, from: number, to: number): void {
  for (let i = from; i < to; i++) s[oy + i]! += a * s[ox + i]!;
}

/**
 * The trailing update after pivots j and j+1 of the dense block (column-major, r×r): row j+1 of
 * U first, then every later column less both L columns at once. Small top-level functions, so
 * that V8 optimises them within the first few columns of a one-shot CLI run.
 */
function rank2Update(s: Float64Array, r: number, j: number): void {
  const c0 = j * r;
  const c1 = c0 + r;
  const l10 = s[c0 + j + 1]!;
  for (let c = j + 2; c < r; c++) {
    const oc = c * r;
    const u0 = s[oc + j]!;
    const u1 = (s[oc + j + 1] = s[oc + j + 1]! - l10 * u0);
    if (u0 === 0 && u1 === 0) continue;
    axpy2(s, oc, c0, c1, u0, u1, j + 2, r);
  }
}

function axpy2(
  s: Float64Array,
  oy: number,
  o0: number,
  o1: number,
  u0: number,
  u1: number,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) s[oy + i]! -= s[o0 + i]! * u0 + s[o1 + i]! * u1;
}

const grow = (a: Int32Array, cap: number): Int32Array => {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
};
const growF = (a: Float64Array, cap: number): Float64Array => {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
};

/** x = T⁻¹ b: b permuted by rows, L \, U \, unpermuted by columns. */
export function luSolve(f: LuFactors, b: ArrayLike<number>): Float64Array {
  const { n, lp, li, lx, up, ui, ux, pinv, q } = f;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[pinv[i]!] = b[i]!;
  for (let j = 0; j < n; j++) {
    const wj = w[j]!;
    if (wj === 0) continue;
    for (let p = lp[j]! + 1; p < lp[j + 1]!; p++) w[li[p]!]! -= lx[p]! * wj;
  }
  for (let j = n - 1; j >= 0; j--) {
    const d = up[j + 1]! - 1;
    const wj = (w[j] = w[j]! / ux[d]!);
    if (wj === 0) continue;
    for (let p = up[j]!; p < d; p++) w[ui[p]!]! -= ux[p]! * wj;
  }
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) x[q[k]!] = w[k]!;
  return x;
}

/** y = T⁻ᵀ c: Uᵀ \, Lᵀ \, with the permutations the other way round. */
export function luSolveTransposed(f: LuFactors, c: ArrayLike<number>): Float64Array {
  const { n, lp, li, lx, up, ui, ux, pinv, q } = f;
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) w[k] = c[q[k]!]!;
  for (let j = 0; j < n; j++) {
    const d = up[j + 1]! - 1;
    let s = w[j]!;
    for (let p = up[j]!; p < d; p++) s -= ux[p]! * w[ui[p]!]!;
    w[j] = s / ux[d]!;
  }
  for (let j = n - 1; j >= 0; j--) {
    let s = w[j]!;
    for (let p = lp[j]! + 1; p < lp[j + 1]!; p++) s -= lx[p]! * w[li[p]!]!;
    w[j] = s;
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = w[pinv[i]!]!;
  return y;
}

/** Nonzeros of L and U together (the diagonal counted once), to report fill. */
export const luNnz = (f: LuFactors): number => f.lp[f.n]! + f.up[f.n]! - f.n;
