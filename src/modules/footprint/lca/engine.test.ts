import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { minimumDegreeOrder } from './amd.js';
import { luFactor, luSolve, luSolveTransposed } from './lu.js';
import { parseMatrixMarket, writeMatrixMarket } from './matrix-market.js';
import { fromDense, fromTriplets, matVec, toDense, type Csc } from './sparse.js';
import { LcaSystem } from './system.js';
import { parseDemandCsv } from './vector-csv.js';

// Electricity (activity 0) burns 0.5 kg coal per kWh; coal mining (1) uses 0.1 kWh per kg.
// By hand: s0 − 0.1·s1 = 1, −0.5·s0 + s1 = 0 → s = (20/19, 10/19);
// CO2 = 2·20/19 + 3·10/19 = 70/19 kg, CH4 = 0.1·10/19 = 1/19 kg; GWP = 70/19 + 25/19 = 5.
const loop = () =>
  new LcaSystem(
    {
      technosphere: fromDense([
        [1, -0.1],
        [-0.5, 1],
      ]),
      biosphere: fromDense([
        [2, 3],
        [0, 0.1],
      ]),
      characterization: fromDense([
        [1, 25],
        [1, 0],
      ]),
    },
    { activities: ['electricity', 'coal'], flows: ['CO2', 'CH4'], indicators: ['GWP', 'CO2 only'] },
  );

function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Dense Gaussian elimination with partial pivoting: the independent check. */
function denseSolve(a: number[][], b: number[]): number[] {
  const n = a.length;
  const m = a.map((r, i) => [...r, b[i]!]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i]![k]!) > Math.abs(m[p]![k]!)) p = i;
    [m[k], m[p]] = [m[p]!, m[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = m[i]![k]! / m[k]![k]!;
      for (let j = k; j <= n; j++) m[i]![j]! -= f * m[k]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = m[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= m[i]![j]! * x[j]!;
    x[i] = s / m[i]![i]!;
  }
  return x;
}

function randomSparse(n: number, perCol: number, rand: () => number, dominant: boolean): Csc {
  const ri: number[] = [];
  const ci: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < n; j++) {
    if (dominant) {
      ri.push(j);
      ci.push(j);
      v.push(1 + rand());
    }
    for (let k = 0; k < perCol; k++) {
      ri.push(Math.floor(rand() * n));
      ci.push(j);
      v.push((rand() - 0.5) * (dominant ? 0.2 : 2));
    }
  }
  return fromTriplets(n, n, ri, ci, v);
}

const expectAppError = (fn: () => unknown, pattern: RegExp) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(400);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an AppError');
};

describe('LcaSystem on a two-activity loop solved by hand', () => {
  it('solves, inventories and characterises', () => {
    const sys = loop();
    const { scaling, residual } = sys.solve([1, 0]);
    expect(scaling[0]).toBeCloseTo(20 / 19, 14);
    expect(scaling[1]).toBeCloseTo(10 / 19, 14);
    expect(residual).toBeLessThan(1e-15);
    const g = sys.inventory(scaling);
    expect(g[0]).toBeCloseTo(70 / 19, 14);
    expect(g[1]).toBeCloseTo(1 / 19, 14);
    const h = sys.impacts([1, 0]);
    expect(h[0]).toBeCloseTo(5, 13);
    expect(h[1]).toBeCloseTo(70 / 19, 13);
  });

  it('intensities are C·B·T⁻¹, column j = impacts of a unit demand of product j', () => {
    const sys = loop();
    const n = sys.intensities();
    for (let j = 0; j < 2; j++) {
      const h = sys.impacts(j === 0 ? [1, 0] : [0, 1]);
      expect(n[0]![j]).toBeCloseTo(h[0]!, 13);
      expect(n[1]![j]).toBeCloseTo(h[1]!, 13);
    }
  });

  it('contributions by process and by flow add up to the total', () => {
    const sys = loop();
    const byProc = sys.contributionsByProcess([1, 0])[0]!;
    expect(byProc.total).toBeCloseTo(5, 13);
    // electricity: 2·20/19 = 40/19; coal: (3 + 2.5)·10/19 = 55/19.
    expect(byProc.items.map((c) => c.name)).toEqual(['coal', 'electricity']);
    expect(byProc.items[0]!.value).toBeCloseTo(55 / 19, 13);
    expect(byProc.items[1]!.share).toBeCloseTo(40 / 95, 13);
    const byFlow = sys.contributionsByFlow([1, 0])[0]!;
    expect(byFlow.items.map((c) => [c.name, c.value])).toEqual([
      ['CO2', expect.closeTo(70 / 19, 13)],
      ['CH4', expect.closeTo(25 / 19, 13)],
    ]);
  });

  it('the supply-chain tree: direct + children = total at every node, loops cut by depth', () => {
    const sys = loop();
    const tree = sys.supplyChainTree([1, 0], { depth: 4, cutoff: 0 });
    expect(tree.name).toBe('electricity');
    expect(tree.total).toBeCloseTo(5, 13);
    const check = (nd: typeof tree, level: number): void => {
      if (level < 4) {
        const sum = nd.direct + nd.children.reduce((s, c) => s + c.total, 0) + (nd.omitted ?? 0);
        expect(sum).toBeCloseTo(nd.total, 12);
        for (const c of nd.children) check(c, level + 1);
      } else expect(nd.children).toEqual([]);
    };
    check(tree, 0);
    expect(tree.children[0]!.name).toBe('coal');
    expect(tree.children[0]!.amount).toBeCloseTo(0.5, 14);
    expect(tree.children[0]!.children[0]!.name).toBe('electricity');
    // A large cutoff leaves only the root, everything else summed into `omitted`.
    const small = sys.supplyChainTree([1, 0], { depth: 3, cutoff: 0.9 });
    expect(small.children).toEqual([]);
    // The root at level 1 (not 20/19: that includes the electricity the coal needs) emits 2 directly.
    expect(small.direct).toBeCloseTo(2, 14);
    expect(small.omitted).toBeCloseTo(3, 13);
  });

  it('sensitivities match finite differences', () => {
    const sys = loop();
    const { result, items } = sys.sensitivity([1, 0], { top: 100 });
    expect(result).toBeCloseTo(5, 13);
    const dense = {
      technosphere: toDense(sys.matrices.technosphere),
      biosphere: toDense(sys.matrices.biosphere),
      characterization: toDense(sys.matrices.characterization),
    };
    for (const it of items) {
      if (it.matrix === 'demand') continue;
      const which = it.matrix;
      const eps = 1e-6 * Math.abs(it.value);
      const at = (delta: number) => {
        const m = structuredClone(dense);
        m[which][it.row]![it.col]! += delta;
        return new LcaSystem({
          technosphere: fromDense(m.technosphere),
          biosphere: fromDense(m.biosphere),
          characterization: fromDense(m.characterization),
        }).impacts([1, 0])[0]!;
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps); // central difference: error O(eps²)
      expect(Math.abs(fd - it.derivative)).toBeLessThan(1e-6 * Math.abs(it.derivative));
    }
    // Ranked by |relative sensitivity|; the demand itself has relative sensitivity 1.
    const rel = items.map((x) => Math.abs(x.relative));
    expect(rel).toEqual([...rel].sort((a, b) => b - a));
    expect(items.find((x) => x.matrix === 'demand')!.relative).toBeCloseTo(1, 13);
  });
});

describe('ordering and LU', () => {
  it('minimum degree gives a valid permutation', () => {
    const rand = prng(7);
    for (const n of [1, 2, 10, 200, 1000]) {
      const { perm, denseFrom } = minimumDegreeOrder(randomSparse(n, 3, rand, true));
      expect(denseFrom).toBeLessThanOrEqual(n);
      expect(perm.length).toBe(n);
      expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('eliminates the leaves of a star before its centre (no fill)', () => {
    const n = 50;
    const ri: number[] = [];
    const ci: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < n; i++) {
      ri.push(i, 0, i);
      ci.push(i, i, 0);
      v.push(4, -0.01, -0.01);
    }
    const a = fromTriplets(n, n, ri, ci, v);
    const { perm } = minimumDegreeOrder(a);
    // The centre goes last (or second to last: with one leaf left both have degree 1).
    expect([...perm].indexOf(0)).toBeGreaterThanOrEqual(n - 2);
    const lu = luFactor(a);
    expect(lu.lp[n]! + lu.up[n]! - n).toBe(3 * n - 2); // the pattern of A, nothing more
  });

  it('solves random sparse systems (and their transposes) to the dense answer', () => {
    const rand = prng(42);
    for (const [n, perCol, dominant] of [
      [5, 2, false],
      [30, 3, false],
      [60, 4, true],
      [120, 2, false],
    ] as const) {
      const a = randomSparse(n, perCol, rand, dominant);
      // Add the identity scaled small when not dominant, so the random matrix is not singular.
      const dense = toDense(a).map((r, i) => r.map((x, j) => (i === j ? x + 0.5 : x)));
      const m = fromDense(dense);
      const b = Array.from({ length: n }, () => rand() - 0.5);
      const f = luFactor(m);
      const x = luSolve(f, b);
      const want = denseSolve(dense, b);
      for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(want[i]!, 9);
      const r = matVec(m, x);
      for (let i = 0; i < n; i++) expect(Math.abs(r[i]! - b[i]!)).toBeLessThan(1e-12);
      const y = luSolveTransposed(f, b);
      const wantT = denseSolve(
        dense[0]!.map((_, j) => dense.map((row) => row[j]!)),
        b,
      );
      for (let i = 0; i < n; i++) expect(y[i]).toBeCloseTo(wantT[i]!, 9);
    }
  });

  it('the dense trailing block gives the same factors as the sparse path', () => {
    const rand = prng(11);
    for (const [n, perCol, dominant] of [
      [80, 3, true],
      [150, 6, false],
    ] as const) {
      const dense = toDense(randomSparse(n, perCol, rand, dominant)).map((r, i) =>
        r.map((x, j) => (i === j ? x + 0.5 : x)),
      );
      const m = fromDense(dense);
      const b = Array.from({ length: n }, () => rand() - 0.5);
      const { perm } = minimumDegreeOrder(m);
      const want = denseSolve(dense, b);
      for (const denseFrom of [n, n - 2, Math.floor(n / 2), 0]) {
        const f = luFactor(m, { order: perm, denseFrom });
        const x = luSolve(f, b);
        // Random matrices without dominance are less well conditioned: compare to 1e-7 and
        // check the residual tightly.
        for (let i = 0; i < n; i++)
          expect(Math.abs(x[i]! - want[i]!)).toBeLessThan(1e-7 * Math.max(1, Math.abs(want[i]!)));
        const rx = matVec(m, x);
        // Backward stable: the residual is rounding level relative to |x| (up to ~200 here).
        for (let i = 0; i < n; i++) expect(Math.abs(rx[i]! - b[i]!)).toBeLessThan(1e-10);
        const y = luSolveTransposed(f, b);
        const r = matVec(fromDense(dense[0]!.map((_, j) => dense.map((row) => row[j]!))), y);
        for (let i = 0; i < n; i++) expect(Math.abs(r[i]! - b[i]!)).toBeLessThan(1e-10);
      }
    }
  });

  it('finds a singular column inside the dense block too', () => {
    const t = fromDense([
      [2, -1, 0, 0],
      [-1, 2, -1, -1],
      [0, -1, 2, 2],
      [0, -1, 2, 2],
    ]);
    expect(() => luFactor(t, { order: Int32Array.from([0, 1, 2, 3]), denseFrom: 1 })).toThrow(
      /singular technosphere: no usable pivot at activity 3/,
    );
  });

  it('pivots off the diagonal when the diagonal is zero', () => {
    const a = fromDense([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 2],
    ]);
    const x = luSolve(luFactor(a), [3, 4, 6]);
    expect(Array.from(x)).toEqual([4, 3, 3]);
  });
});

describe('Matrix Market and demand CSV', () => {
  it('round-trips a coordinate matrix exactly', () => {
    const a = randomSparse(40, 3, prng(3), true);
    const b = parseMatrixMarket(writeMatrixMarket(a, 'test'), 'a.mtx');
    expect(b.rows).toBe(40);
    expect(Array.from(b.colPtr)).toEqual(Array.from(a.colPtr));
    expect(Array.from(b.rowIdx)).toEqual(Array.from(a.rowIdx));
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
  });

  it('reads array and symmetric forms, sums duplicates', () => {
    const arr = parseMatrixMarket('%%MatrixMarket matrix array real general\n% c\n2 3\n1\n2\n3\n4\n5\n6\n');
    expect(toDense(arr)).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    const sym = parseMatrixMarket(
      '%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 1 1\n2 1 -0.5\n',
    );
    expect(toDense(sym)).toEqual([
      [1, -0.5],
      [-0.5, 0],
    ]);
    const symArr = parseMatrixMarket('%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n');
    expect(toDense(symArr)).toEqual([
      [1, 2],
      [2, 3],
    ]);
    const crlf = parseMatrixMarket(
      '%%MatrixMarket matrix coordinate real general\r\n% a comment\r\n\r\n2 2 3\r\n1 1 1e-3\r\n2\t1   -.5\r\n  2 2 +2.5E+1  \r\n',
    );
    expect(toDense(crlf)).toEqual([
      [0.001, 0],
      [-0.5, 25],
    ]);
    const dup = parseMatrixMarket('%%MatrixMarket matrix coordinate integer general\n1 1 2\n1 1 2\n1 1 3\n');
    expect(toDense(dup)).toEqual([[5]]);
  });

  it('refuses malformed files, naming the file and line', () => {
    const h = '%%MatrixMarket matrix coordinate real general\n';
    expectAppError(
      () => parseMatrixMarket('%%MatrixMarket matrix coordinate pattern general\n1 1 1\n1 1\n', 'p.mtx'),
      /p\.mtx, line 1: .*pattern/,
    );
    expectAppError(() => parseMatrixMarket('hello\n', 'x.mtx'), /x\.mtx, line 1: not a Matrix Market/);
    expectAppError(
      () => parseMatrixMarket(h + '2 2 2\n1 1 1\n3 1 1\n', 'x.mtx'),
      /x\.mtx, line 4: index \(3, 1\) outside the 2×2/,
    );
    expectAppError(
      () => parseMatrixMarket(h + '2 2 2\n1 1 1\n2 2 abc\n', 'x.mtx'),
      /x\.mtx, line 4: value "abc" is not a finite number/,
    );
    expectAppError(
      () => parseMatrixMarket(h + '2 2 2\n1 1 1\n2 2 Infinity\n', 'x.mtx'),
      /line 4: .*not a finite/,
    );
    expectAppError(
      () => parseMatrixMarket(h + '2 2 3\n1 1 1\n2 2 1\n', 'x.mtx'),
      /x\.mtx, line 5: end of file after 2 of 3/,
    );
    expectAppError(
      () => parseMatrixMarket(h + '2 2 1\n1 1 1\n2 2 1\n', 'x.mtx'),
      /line 4: more entries than the 1 declared/,
    );
    expectAppError(() => parseMatrixMarket(h + '2 x 1\n', 'x.mtx'), /line 2: size line/);
    expectAppError(
      () => parseMatrixMarket('%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n'),
      /complex/,
    );
  });

  it('parses demand CSV and names the bad line', () => {
    expect(Array.from(parseDemandCsv('index,amount\n2,1.5\n0,1\n2,0.5\n', 3))).toEqual([1, 0, 2]);
    expectAppError(
      () => parseDemandCsv('index,amount\n0,1\n3,1\n', 3, 'd.csv'),
      /d\.csv, line 3: index 3 is out of range: the technosphere has 3 rows/,
    );
    expectAppError(
      () => parseDemandCsv('index,amount\n0,NaN\n', 3, 'd.csv'),
      /d\.csv, line 2: amount "NaN" is not a finite/,
    );
    expectAppError(
      () => parseDemandCsv('row,value\n0,1\n', 3, 'd.csv'),
      /d\.csv, line 1: expected the header/,
    );
    expectAppError(
      () => parseDemandCsv('index,amount\n-1,1\n', 3, 'd.csv'),
      /line 2: index "-1" is not a whole number/,
    );
  });
});

describe('bad systems', () => {
  it('names the activity where the pivot vanished', () => {
    // Activity 2 is a copy of activity 1: the matrix is singular.
    const t = fromDense([
      [1, 0, 0],
      [-0.5, 1, 1],
      [0, -1, -1],
    ]);
    const b = fromDense([[1, 1, 1]]);
    const c = fromDense([[1]]);
    expectAppError(
      () =>
        new LcaSystem(
          { technosphere: t, biosphere: b, characterization: c },
          { activities: ['a', 'b', 'c'] },
        ),
      /singular technosphere: no usable pivot at activity [12] "[bc]"/,
    );
    // A structurally empty column.
    expectAppError(
      () =>
        new LcaSystem({
          technosphere: fromTriplets(2, 2, [0], [0], [1]),
          biosphere: fromDense([[1, 1]]),
          characterization: c,
        }),
      /singular technosphere: no usable pivot at activity 1 \(column 1, 0-based\)/,
    );
  });

  it('names the matrices and sizes on a dimension mismatch', () => {
    const t = fromDense([
      [1, 0],
      [0, 1],
    ]);
    expectAppError(
      () =>
        new LcaSystem({
          technosphere: fromDense([[1, 0]]),
          biosphere: fromDense([[1, 1]]),
          characterization: fromDense([[1]]),
        }),
      /technosphere is 1×2: it must be square/,
    );
    expectAppError(
      () =>
        new LcaSystem({
          technosphere: t,
          biosphere: fromDense([[1, 1, 1]]),
          characterization: fromDense([[1]]),
        }),
      /biosphere is 1×3 but technosphere is 2×2/,
    );
    expectAppError(
      () =>
        new LcaSystem({
          technosphere: t,
          biosphere: fromDense([[1, 1]]),
          characterization: fromDense([[1, 2]]),
        }),
      /characterization is 1×2 but biosphere is 1×2/,
    );
    const sys = new LcaSystem({
      technosphere: t,
      biosphere: fromDense([[1, 1]]),
      characterization: fromDense([[1]]),
    });
    expectAppError(() => sys.solve([1, 2, 3]), /demand has 3 entries but technosphere is 2×2/);
    expectAppError(() => sys.solve([1, NaN]), /demand entry 1 is not a finite number/);
  });

  it('refuses non-finite matrix entries', () => {
    expectAppError(
      () =>
        new LcaSystem({
          technosphere: fromDense([[1]]),
          biosphere: fromDense([[Infinity]]),
          characterization: fromDense([[1]]),
        }),
      /biosphere: entry \(0, 0\) is not a finite number/,
    );
  });

  it('refuses a solve that does not converge', () => {
    // Nearly singular (condition ~1e17): the LU exists but the residual check cannot be met... or
    // the pivot is taken as zero. Either way an error, never a silent wrong answer.
    const e = 1e-15;
    const t = fromDense([
      [1, 1],
      [1, 1 + e],
    ]);
    expect(() =>
      new LcaSystem({
        technosphere: t,
        biosphere: fromDense([[1, 1]]),
        characterization: fromDense([[1]]),
      }).solve([1, 0]),
    ).toThrow(/singular|did not converge/);
  });
});
