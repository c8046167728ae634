// The engine against a real model: USEEIO v2.0 (GHG subset, US EPA). The reference is the
// model's own PUBLISHED total intensities U = C·B·(I − A)⁻¹ (data/useeio-v2.0-ghg/U.json, from
// the EPA's useeio-widgets repository), not anything this engine wrote.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { packageRoot } from '../../../kernel/paths.js';
import { lcaCli, lcaSolve } from './cli.js';
import { writeMatrixMarket } from './matrix-market.js';
import { fromDense, fromTriplets, type Csc } from './sparse.js';
import { LcaSystem } from './system.js';

const dir = join(packageRoot(), 'data', 'useeio-v2.0-ghg');
const json = <T>(f: string): T => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;
const A = json<number[][]>('A.json');
const B = json<number[][]>('B.json');
const C = json<number[][]>('C.json');
const U = json<number[][]>('U.json');
const n = A.length;

/** T = I − A, sparse. */
function technosphere(): Csc {
  const ri: number[] = [];
  const ci: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const x = (i === j ? 1 : 0) - A[i]![j]!;
      if (x !== 0) {
        ri.push(i);
        ci.push(j);
        v.push(x);
      }
    }
  return fromTriplets(n, n, ri, ci, v);
}

/** |a − u| / |u|, or |a| where the published value is exactly zero. */
const relDiff = (a: number, u: number) => (u === 0 ? Math.abs(a) : Math.abs(a - u) / Math.abs(u));

describe('USEEIO v2.0 GHG', () => {
  it('has the published shapes', () => {
    expect([n, A[0]!.length, B.length, B[0]!.length, C.length, C[0]!.length]).toEqual([
      405, 405, 15, 405, 3, 15,
    ]);
    expect([U.length, U[0]!.length]).toEqual([3, 405]);
  });

  it('reproduces the published total intensities C·B·(I−A)⁻¹ for all 405 sectors to 1e-9', () => {
    const sys = new LcaSystem({
      technosphere: technosphere(),
      biosphere: fromDense(B),
      characterization: fromDense(C),
    });
    const N = sys.intensities();
    let worst = 0;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < n; j++) {
        const d = relDiff(N[i]![j]!, U[i]![j]!);
        if (d > worst) worst = d;
        if (U[i]![j] === 0) expect(Math.abs(N[i]![j]!)).toBeLessThan(1e-20);
      }
    expect(worst).toBeLessThanOrEqual(1e-9);
  });

  it('analyses a real supply chain: contributions, tree and sensitivities agree with the total', () => {
    const sys = new LcaSystem({
      technosphere: technosphere(),
      biosphere: fromDense(B),
      characterization: fromDense(C),
    });
    const f = new Array<number>(n).fill(0);
    f[42] = 1000;
    const total = 1000 * U[0]![42]!;
    const byProcess = sys.contributionsByProcess(f)[0]!;
    expect(relDiff(byProcess.total, total)).toBeLessThan(1e-9);
    expect(
      relDiff(
        byProcess.items.reduce((s, c) => s + c.value, 0),
        total,
      ),
    ).toBeLessThan(1e-9);
    const byFlow = sys.contributionsByFlow(f)[0]!;
    expect(relDiff(byFlow.total, total)).toBeLessThan(1e-9);
    const tree = sys.supplyChainTree(f, { depth: 2, cutoff: 0.01 });
    expect(relDiff(tree.total, total)).toBeLessThan(1e-9);
    const sum = tree.direct + tree.children.reduce((s, c) => s + c.total, 0) + (tree.omitted ?? 0);
    expect(relDiff(sum, total)).toBeLessThan(1e-9);
    const sens = sys.sensitivity(f, { top: 100_000 });
    const rel = sens.items.map((x) => Math.abs(x.relative));
    expect(rel).toEqual([...rel].sort((a, b) => b - a));
    // h is linear in the demand: its relative sensitivity is exactly 1.
    expect(sens.items.find((x) => x.matrix === 'demand')!.relative).toBeCloseTo(1, 12);
    // The top technosphere entry against a central finite difference on the real model.
    const top = sens.items.find((x) => x.matrix === 'technosphere')!;
    const at = (delta: number) => {
      const t = technosphere();
      for (let p = t.colPtr[top.col]!; p < t.colPtr[top.col + 1]!; p++)
        if (t.rowIdx[p] === top.row) t.values[p]! += delta;
      return new LcaSystem({
        technosphere: t,
        biosphere: fromDense(B),
        characterization: fromDense(C),
      }).impacts(f)[0]!;
    };
    const eps = 1e-6 * Math.abs(top.value);
    expect(relDiff((at(eps) - at(-eps)) / (2 * eps), top.derivative)).toBeLessThan(1e-5);
  });

  describe('the CLI command', () => {
    let tmp: string;
    let files: { t: string; b: string; c: string };
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'lca-'));
      files = { t: join(tmp, 'T.mtx'), b: join(tmp, 'B.mtx'), c: join(tmp, 'C.mtx') };
      writeFileSync(files.t, writeMatrixMarket(technosphere(), 'USEEIO v2.0 GHG: I - A'));
      writeFileSync(files.b, writeMatrixMarket(fromDense(B)));
      writeFileSync(files.c, writeMatrixMarket(fromDense(C)));
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    const run = async (args: string[]): Promise<Record<string, unknown>> => {
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
        out += String(s);
        return true;
      });
      try {
        await lcaCli().parseAsync(args, { from: 'user' });
      } finally {
        spy.mockRestore();
      }
      return JSON.parse(out) as Record<string, unknown>;
    };

    it('lca solve --json: impacts of 250 USD of one sector = 250 × its published column', async () => {
      const j = 42;
      const d1 = join(tmp, 'd1.csv');
      const d2 = join(tmp, 'd2.csv');
      writeFileSync(d1, `index,amount\n${j},250\n`);
      writeFileSync(d2, `index,amount\n0,1\n${j},2\n`);
      const r = await run([
        'solve',
        '--technosphere',
        files.t,
        '--biosphere',
        files.b,
        '--characterization',
        files.c,
        '--demand',
        d1,
        '--demand',
        d2,
        '--json',
      ]);
      const impacts = r['impacts'] as number[];
      expect(impacts).toHaveLength(3);
      for (let i = 0; i < 3; i++) expect(relDiff(impacts[i]!, 250 * U[i]![j]!)).toBeLessThanOrEqual(1e-9);
      const results = r['results'] as { demand: string; impacts: number[] }[];
      expect(results.map((x) => x.demand)).toEqual([d1, d2]);
      expect(results[0]!.impacts).toEqual(impacts);
      for (let i = 0; i < 3; i++)
        expect(relDiff(results[1]!.impacts[i]!, U[i]![0]! + 2 * U[i]![j]!)).toBeLessThanOrEqual(1e-9);
    });

    it('lca solve --intensities: the whole matrix, as JSON or CSV', async () => {
      const r = await run([
        'solve',
        '--technosphere',
        files.t,
        '--biosphere',
        files.b,
        '--characterization',
        files.c,
        '--intensities',
        '--json',
      ]);
      const N = r['intensities'] as number[][];
      expect(N).toHaveLength(3);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < n; j++) expect(relDiff(N[i]![j]!, U[i]![j]!)).toBeLessThanOrEqual(1e-9);
      const csv = join(tmp, 'n.csv');
      await run([
        'solve',
        '--technosphere',
        files.t,
        '--biosphere',
        files.b,
        '--characterization',
        files.c,
        '--intensities',
        '--out',
        csv,
        '--json',
      ]);
      const lines = readFileSync(csv, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]!.split(',')).toHaveLength(n + 1);
      expect(Number(lines[1]!.split(',')[1])).toBe(N[0]![0]);
    });

    it('bad input: an AppError with status 400 (the CLI exits 2), naming the file and line', () => {
      const bad = join(tmp, 'bad.csv');
      writeFileSync(bad, 'index,amount\n1,1\n405,1\n');
      const call = () =>
        lcaSolve({ technosphere: files.t, biosphere: files.b, characterization: files.c, demand: [bad] });
      expect(call).toThrow(AppError);
      expect(call).toThrow(
        `${bad}, line 3: index 405 is out of range: the technosphere has 405 rows (0..404)`,
      );
      expect(() =>
        lcaSolve({ technosphere: files.t, biosphere: files.c, characterization: files.c, demand: [bad] }),
      ).toThrow(/biosphere is 3×15 but technosphere is 405×405/);
      expect(() =>
        lcaSolve({
          technosphere: join(tmp, 'none.mtx'),
          biosphere: files.b,
          characterization: files.c,
          intensities: true,
        }),
      ).toThrow(/cannot read the technosphere file .*none\.mtx: ENOENT/);
    });
  });
});
