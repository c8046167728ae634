import { AppError } from '../../../kernel/errors.js';
import { luFactor, luSolve, luSolveTransposed, type LuFactors } from './lu.js';
import { matMulDense, matTVec, matVec, normInf, transpose, vecNormInf, type Csc } from './sparse.js';

/**
 * The numerical tolerance of every solve: after the LU solve (and up to `MAX_REFINEMENTS` steps
 * of iterative refinement) the relative residual ‖T·x − f‖∞ / (‖T‖∞·‖x‖∞ + ‖f‖∞) must be at
 * most 1e-9, else the solve is refused ("did not converge"). On well-conditioned LCA systems it
 * is ~1e-16; the normwise backward error bound means an answer accurate to about
 * cond(T)·residual.
 */
export const RESIDUAL_TOLERANCE = 1e-9;
export const MAX_REFINEMENTS = 2;
/** Refinement is skipped once the residual is at rounding level. */
const REFINE_ABOVE = 4 * Number.EPSILON;

export interface LcaMatrices {
  /** T (n×n), LCA sign convention: outputs positive, inputs negative; I − A for an IO model. */
  technosphere: Csc;
  /** B (flows × n): elementary flows per unit of each activity. */
  biosphere: Csc;
  /** C (indicators × flows): characterisation factors. */
  characterization: Csc;
}

export interface LcaNames {
  activities?: readonly string[];
  flows?: readonly string[];
  indicators?: readonly string[];
}

export interface Solution {
  /** The scaling vector s = T⁻¹ f (activity levels). */
  scaling: Float64Array;
  /** The relative residual after refinement. */
  residual: number;
  refinements: number;
}

export interface Contribution {
  index: number;
  name?: string;
  value: number;
  /** value / total (NaN when the total is zero). */
  share: number;
}

export interface IndicatorContributions {
  indicator: number;
  name?: string;
  total: number;
  items: Contribution[];
}

export interface TreeNode {
  /** The product row (= the activity column that supplies it); -1 for a root joining several demands. */
  activity: number;
  name?: string;
  /** Demand on the product. */
  amount: number;
  /** Activity level that meets it: amount / T[j,j]. */
  scaling: number;
  /** The activity's own impact at that level. */
  direct: number;
  /** The impact of the whole supply chain below (direct included). */
  total: number;
  children: TreeNode[];
  /** Children left out by the cutoff or the depth limit (their total impact). */
  omitted?: number;
}

export interface Sensitivity {
  matrix: 'technosphere' | 'biosphere' | 'characterization' | 'demand';
  row: number;
  col: number;
  value: number;
  /** ∂h/∂p. */
  derivative: number;
  /** (∂h/∂p)·p/h: the percentage change of the result per percent change of the input. */
  relative: number;
}

const shape = (a: Csc) => `${a.rows}×${a.cols}`;

function checkFinite(a: Csc, what: string): void {
  for (let j = 0; j < a.cols; j++)
    for (let p = a.colPtr[j]!; p < a.colPtr[j + 1]!; p++)
      if (!Number.isFinite(a.values[p]!))
        throw new AppError('bad_request', `${what}: entry (${a.rowIdx[p]}, ${j}) is not a finite number`);
}

/**
 * An LCA system factorised once: every solve, intensity matrix, contribution and sensitivity
 * analysis reuses the same LU factors of the technosphere.
 */
export class LcaSystem {
  readonly n: number;
  readonly flows: number;
  readonly indicators: number;
  readonly lu: LuFactors;
  private readonly tNorm: number;
  private readonly tNorm1: number;
  private dCache: Float64Array[] | undefined;
  private nCache: Float64Array[] | undefined;
  private tTrans: Csc | undefined;

  constructor(
    readonly matrices: LcaMatrices,
    readonly names: LcaNames = {},
  ) {
    const { technosphere: t, biosphere: b, characterization: c } = matrices;
    if (t.rows !== t.cols)
      throw new AppError(
        'bad_request',
        `technosphere is ${shape(t)}: it must be square (one product row per activity column)`,
      );
    if (b.cols !== t.cols)
      throw new AppError(
        'bad_request',
        `biosphere is ${shape(b)} but technosphere is ${shape(t)}: the biosphere needs ${t.cols} columns, one per activity`,
      );
    if (c.cols !== b.rows)
      throw new AppError(
        'bad_request',
        `characterization is ${shape(c)} but biosphere is ${shape(b)}: the characterization needs ${b.rows} columns, one per flow`,
      );
    checkFinite(t, 'technosphere');
    checkFinite(b, 'biosphere');
    checkFinite(c, 'characterization');
    this.n = t.cols;
    this.flows = b.rows;
    this.indicators = c.rows;
    const acts = names.activities;
    this.lu = luFactor(t, {
      columnName: (j) => (acts?.[j] ? `activity ${j} "${acts[j]}"` : `activity ${j} (column ${j}, 0-based)`),
    });
    this.tNorm = normInf(t);
    this.tNorm1 = normInf((this.tTrans = transpose(t)));
  }

  private checkDemand(f: ArrayLike<number>): void {
    if (f.length !== this.n)
      throw new AppError(
        'bad_request',
        `demand has ${f.length} entries but technosphere is ${this.n}×${this.n}: it needs ${this.n}`,
      );
    for (let i = 0; i < f.length; i++)
      if (!Number.isFinite(f[i]!))
        throw new AppError('bad_request', `demand entry ${i} is not a finite number`);
  }

  /** s = T⁻¹ f with the residual check and refinement. */
  solve(demand: ArrayLike<number>): Solution {
    this.checkDemand(demand);
    return this.refine(
      demand,
      (b) => luSolve(this.lu, b),
      (x) => matVec(this.matrices.technosphere, x),
      this.tNorm,
    );
  }

  /** y = T⁻ᵀ c, checked the same way against Tᵀ. */
  solveTransposed(rhs: ArrayLike<number>): Solution {
    this.checkDemand(rhs);
    return this.refine(
      rhs,
      (b) => luSolveTransposed(this.lu, b),
      (x) => matVec(this.tTrans!, x),
      this.tNorm1,
    );
  }

  private refine(
    f: ArrayLike<number>,
    solve: (b: ArrayLike<number>) => Float64Array,
    apply: (x: Float64Array) => Float64Array,
    norm: number,
  ): Solution {
    const fNorm = vecNormInf(f);
    const residualOf = (x: Float64Array): [Float64Array, number] => {
      const tx = apply(x);
      const r = new Float64Array(x.length);
      for (let i = 0; i < r.length; i++) r[i] = f[i]! - tx[i]!;
      const den = norm * vecNormInf(x) + fNorm;
      return [r, den === 0 ? 0 : vecNormInf(r) / den];
    };
    let x = solve(f);
    let [r, res] = residualOf(x);
    let steps = 0;
    while (steps < MAX_REFINEMENTS && res > REFINE_ABOVE) {
      const d = solve(r);
      const x2 = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) x2[i] = x[i]! + d[i]!;
      const [r2, res2] = residualOf(x2);
      steps++;
      if (!(res2 < res)) break;
      x = x2;
      r = r2;
      res = res2;
    }
    if (!(res <= RESIDUAL_TOLERANCE))
      throw new AppError(
        'bad_request',
        `the solve did not converge: relative residual ${res.toExponential(3)} after ${steps} refinement steps exceeds ${RESIDUAL_TOLERANCE} (the technosphere is ill-conditioned or nearly singular)`,
        { details: { residual: res } },
      );
    return { scaling: x, residual: res, refinements: steps };
  }

  /** g = B·s: the life-cycle inventory. */
  inventory(scaling: ArrayLike<number>): Float64Array {
    return matVec(this.matrices.biosphere, scaling);
  }

  /** h = C·B·T⁻¹·f, one number per indicator. */
  impacts(demand: ArrayLike<number>): Float64Array {
    return matVec(this.matrices.characterization, this.inventory(this.solve(demand).scaling));
  }

  /** D = C·B: direct impact per unit of each activity (indicators × activities). */
  direct(): Float64Array[] {
    return (this.dCache ??= matMulDense(this.matrices.characterization, this.matrices.biosphere));
  }

  /**
   * N = C·B·T⁻¹ (indicators × activities): the total (supply-chain) impact per unit of demand
   * for each product, by one transposed solve per indicator: Tᵀ·nᵢ = dᵢ.
   */
  intensities(): Float64Array[] {
    return (this.nCache ??= this.direct().map((d) => this.solveTransposed(d).scaling));
  }

  /** Each activity's direct impact at the levels that meet the demand, ranked by size. */
  contributionsByProcess(demand: ArrayLike<number>, opts: { top?: number } = {}): IndicatorContributions[] {
    const s = this.solve(demand).scaling;
    return this.direct().map((d, i) =>
      this.rank(
        i,
        Array.from(d, (v, j) => v * s[j]!),
        this.names.activities,
        opts.top,
      ),
    );
  }

  /** Each elementary flow's characterised share of the result, ranked by size. */
  contributionsByFlow(demand: ArrayLike<number>, opts: { top?: number } = {}): IndicatorContributions[] {
    const g = this.inventory(this.solve(demand).scaling);
    const c = transpose(this.matrices.characterization); // rows of C as columns
    const out: IndicatorContributions[] = [];
    for (let i = 0; i < this.indicators; i++) {
      const values = new Array<number>(this.flows).fill(0);
      for (let p = c.colPtr[i]!; p < c.colPtr[i + 1]!; p++)
        values[c.rowIdx[p]!] = c.values[p]! * g[c.rowIdx[p]!]!;
      out.push(this.rank(i, values, this.names.flows, opts.top));
    }
    return out;
  }

  private rank(
    i: number,
    values: number[],
    names: readonly string[] | undefined,
    top = Infinity,
  ): IndicatorContributions {
    let total = 0;
    for (const v of values) total += v;
    const items: Contribution[] = [];
    values.forEach((v, k) => {
      if (v !== 0)
        items.push({ index: k, ...(names?.[k] ? { name: names[k] } : {}), value: v, share: v / total });
    });
    items.sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.index - b.index);
    return {
      indicator: i,
      ...(this.names.indicators?.[i] ? { name: this.names.indicators[i] } : {}),
      total,
      items: items.slice(0, top),
    };
  }

  /**
   * The supply chain as a tree, to `depth` levels below the demanded products: each node is a
   * product demand met by its activity (product row j is supplied by activity column j, the
   * LCA convention with the reference products on the diagonal), with its direct impact and the
   * total of everything upstream (from the intensities). Children whose total is below
   * `cutoff`·|root total| are summed into `omitted`. Loops are cut by the depth.
   */
  supplyChainTree(
    demand: ArrayLike<number>,
    opts: { depth?: number; cutoff?: number; indicator?: number } = {},
  ): TreeNode {
    this.checkDemand(demand);
    const depth = opts.depth ?? 3;
    const cutoff = opts.cutoff ?? 0.01;
    const ind = opts.indicator ?? 0;
    if (!(ind >= 0 && ind < this.indicators))
      throw new AppError('bad_request', `indicator ${ind} is out of range (0..${this.indicators - 1})`);
    const t = this.matrices.technosphere;
    const nRow = this.intensities()[ind]!;
    const dRow = this.direct()[ind]!;
    const diag = (j: number): number => {
      for (let p = t.colPtr[j]!; p < t.colPtr[j + 1]!; p++) if (t.rowIdx[p] === j) return t.values[p]!;
      return 0;
    };
    const name = (j: number) => (this.names.activities?.[j] ? { name: this.names.activities[j] } : {});
    const node = (j: number, amount: number): TreeNode => {
      const tj = diag(j);
      if (tj === 0)
        throw new AppError(
          'bad_request',
          `activity ${j} has no reference product on the diagonal (T[${j},${j}] = 0): the tree needs one`,
        );
      const scaling = amount / tj;
      return {
        activity: j,
        ...name(j),
        amount,
        scaling,
        direct: dRow[j]! * scaling,
        total: nRow[j]! * amount,
        children: [],
      };
    };
    const roots: TreeNode[] = [];
    for (let i = 0; i < this.n; i++) if (demand[i] !== 0) roots.push(node(i, demand[i]!));
    const root: TreeNode =
      roots.length === 1
        ? roots[0]!
        : {
            activity: -1,
            amount: 0,
            scaling: 0,
            direct: 0,
            total: roots.reduce((s, r) => s + r.total, 0),
            children: roots,
          };
    const floor = cutoff * Math.abs(root.total);
    const expand = (nd: TreeNode, level: number): void => {
      if (level >= depth) return;
      const j = nd.activity;
      let omitted = 0;
      for (let p = t.colPtr[j]!; p < t.colPtr[j + 1]!; p++) {
        const i = t.rowIdx[p]!;
        if (i === j) continue;
        const child = node(i, -t.values[p]! * nd.scaling);
        if (Math.abs(child.total) < floor) omitted += child.total;
        else nd.children.push(child);
      }
      nd.children.sort((a, b) => Math.abs(b.total) - Math.abs(a.total) || a.activity - b.activity);
      if (omitted !== 0) nd.omitted = omitted;
      for (const c of nd.children) expand(c, level + 1);
    };
    if (root.activity === -1) for (const r of roots) expand(r, 1);
    else expand(root, 0);
    return root;
  }

  /**
   * Sensitivity of one indicator's result h = cᵀ·B·T⁻¹·f to every nonzero input, by the adjoint
   * λ = T⁻ᵀ·Bᵀ·c (the intensity row): ∂h/∂T[a,b] = −λa·sb, ∂h/∂B[k,b] = c[k]·sb,
   * ∂h/∂C[i,k] = gk, ∂h/∂f[a] = λa. Ranked by |relative sensitivity| (∂h/∂p · p/h).
   */
  sensitivity(
    demand: ArrayLike<number>,
    opts: { top?: number; indicator?: number } = {},
  ): {
    indicator: number;
    result: number;
    items: Sensitivity[];
  } {
    const ind = opts.indicator ?? 0;
    if (!(ind >= 0 && ind < this.indicators))
      throw new AppError('bad_request', `indicator ${ind} is out of range (0..${this.indicators - 1})`);
    const s = this.solve(demand).scaling;
    const g = this.inventory(s);
    const lambda = this.intensities()[ind]!;
    const { technosphere: t, biosphere: b } = this.matrices;
    const cRow = new Float64Array(this.flows);
    const ct = transpose(this.matrices.characterization);
    for (let p = ct.colPtr[ind]!; p < ct.colPtr[ind + 1]!; p++) cRow[ct.rowIdx[p]!] = ct.values[p]!;
    let h = 0;
    for (let k = 0; k < this.flows; k++) h += cRow[k]! * g[k]!;
    const items: Sensitivity[] = [];
    const add = (
      matrix: Sensitivity['matrix'],
      row: number,
      col: number,
      value: number,
      derivative: number,
    ) => {
      if (derivative === 0) return;
      items.push({ matrix, row, col, value, derivative, relative: h === 0 ? NaN : (derivative * value) / h });
    };
    for (let j = 0; j < this.n; j++) {
      if (s[j] === 0) continue;
      for (let p = t.colPtr[j]!; p < t.colPtr[j + 1]!; p++)
        add('technosphere', t.rowIdx[p]!, j, t.values[p]!, -lambda[t.rowIdx[p]!]! * s[j]!);
      for (let p = b.colPtr[j]!; p < b.colPtr[j + 1]!; p++)
        add('biosphere', b.rowIdx[p]!, j, b.values[p]!, cRow[b.rowIdx[p]!]! * s[j]!);
    }
    for (let k = 0; k < this.flows; k++) if (cRow[k] !== 0) add('characterization', ind, k, cRow[k]!, g[k]!);
    for (let a = 0; a < this.n; a++) if (demand[a] !== 0) add('demand', a, 0, demand[a]!, lambda[a]!);
    const key = (x: Sensitivity) =>
      Number.isNaN(x.relative) ? Math.abs(x.derivative) : Math.abs(x.relative);
    items.sort((x, y) => key(y) - key(x));
    return { indicator: ind, result: h, items: items.slice(0, opts.top ?? 50) };
  }
}

/** T·x for callers that check their own answers. */
export { matTVec, matVec };
