// The LCA matrix engine against SciPy (SuperLU with the MMD_AT_PLUS_A ordering), each as a
// whole process on the same Matrix Market files, in the same run: `greentrade lca solve` vs
// bench/lca_scipy.py. Three cases: a generated ecoinvent-sized system (--activities, default
// 20,000; --markets 400) solved for one demand and for ten demands with one factorisation, and
// the full intensity matrix C·B·(I−A)⁻¹ of USEEIO v2.0 (405 sectors). Prints the median wall
// time of --runs (default 5) of each, the ratio ours/SciPy, and the largest relative difference
// of the answers, and the engine's own steps in this process (parse, order + factorise, solve).
// (`greentrade lca` loads only the engine: src/cli/main.ts does not import the platform for it.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  LcaSystem,
  fromDense,
  fromTriplets,
  luNnz,
  parseDemandCsv,
  parseMatrixMarket,
  writeMatrixMarket,
  type Csc,
} from '../src/modules/footprint/lca/index.js';
import { fmt, median, prng, root, writeResult } from './lib.js';

const arg = (name: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const ACTIVITIES = arg('activities', 20_000);
const MARKETS = arg('markets', 400);
const FLOWS = 20;
const RUNS = arg('runs', 5);
const out = join(root, 'bench', 'out', 'lca');
mkdirSync(out, { recursive: true });

// ------------------------------------------------------------------ the generated system

/**
 * Shaped like ecoinvent: producers buy 5–15 inputs from markets (small coefficients, so the
 * matrix is diagonally dominant and non-singular), each market buys its product from the ~50
 * producers of it (shares summing to 1), which closes the loops, and 5% of the producers also
 * buy straight from another producer. Rows and columns are shuffled by one random permutation
 * (the reference products stay on the diagonal, as in Brightway's matrices).
 */
function generate(n: number, markets: number, seed: number) {
  const rand = prng(seed);
  const ri: number[] = [];
  const ci: number[] = [];
  const v: number[] = [];
  const add = (i: number, j: number, x: number) => {
    ri.push(i);
    ci.push(j);
    v.push(x);
  };
  const producersOf: number[][] = Array.from({ length: markets }, () => []);
  for (let p = markets; p < n; p++) producersOf[p % markets]!.push(p);
  for (let p = markets; p < n; p++) {
    add(p, p, 1);
    const inputs = 5 + Math.floor(rand() * 11);
    for (let k = 0; k < inputs; k++) add(Math.floor(rand() * markets), p, -0.08 * rand());
    if (rand() < 0.05) add(markets + Math.floor(rand() * (n - markets)), p, -0.05 * rand());
  }
  for (let m = 0; m < markets; m++) {
    add(m, m, 1);
    const w = producersOf[m]!.map(() => 0.01 + rand());
    const sum = w.reduce((a, b) => a + b, 0);
    producersOf[m]!.forEach((p, k) => add(p, m, -w[k]! / sum));
  }
  // One permutation for rows and columns.
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const T = fromTriplets(
    n,
    n,
    ri.map((i) => perm[i]!),
    ci.map((j) => perm[j]!),
    v,
  );
  // Biosphere: each producer emits 1–3 of the flows, a tenth of the markets one (transport).
  const bi: number[] = [];
  const bj: number[] = [];
  const bv: number[] = [];
  for (let a = 0; a < n; a++) {
    const k = a >= markets ? 1 + Math.floor(rand() * 3) : rand() < 0.1 ? 1 : 0;
    for (let e = 0; e < k; e++) {
      bi.push(Math.floor(rand() * FLOWS));
      bj.push(perm[a]!);
      bv.push(10 * rand());
    }
  }
  const B = fromTriplets(FLOWS, n, bi, bj, bv);
  // Three indicators over overlapping halves of the flows.
  const C = fromDense(
    [0, 5, 10].map((from) =>
      Array.from({ length: FLOWS }, (_, f) => (f >= from && f < from + 10 ? 1 + 300 * rand() : 0)),
    ),
  );
  const demands = Array.from({ length: 10 }, () => perm[markets + Math.floor(rand() * (n - markets))]!);
  return { T, B, C, demands };
}

function writeSystem(name: string, T: Csc, B: Csc, C: Csc) {
  const files = {
    t: join(out, `${name}-T.mtx`),
    b: join(out, `${name}-B.mtx`),
    c: join(out, `${name}-C.mtx`),
  };
  writeFileSync(files.t, writeMatrixMarket(T));
  writeFileSync(files.b, writeMatrixMarket(B));
  writeFileSync(files.c, writeMatrixMarket(C));
  return files;
}

const gen = generate(ACTIVITIES, MARKETS, 2026);
const genFiles = writeSystem('generated', gen.T, gen.B, gen.C);
const demandFiles = gen.demands.map((d, k) => {
  const f = join(out, `generated-d${k}.csv`);
  writeFileSync(f, `index,amount\n${d},1\n`);
  return f;
});
console.log(
  `generated: ${fmt(ACTIVITIES)} activities (${MARKETS} markets), ${fmt(gen.T.colPtr[ACTIVITIES]!)} nonzeros in T, ${gen.B.rows} flows, ${gen.C.rows} indicators`,
);

const useeioDir = join(root, 'data', 'useeio-v2.0-ghg');
const ujson = (f: string) => JSON.parse(readFileSync(join(useeioDir, f), 'utf8')) as number[][];
const A = ujson('A.json');
const IminusA = fromDense(A.map((r, i) => r.map((x, j) => (i === j ? 1 : 0) - x)));
const useeioFiles = writeSystem('useeio', IminusA, fromDense(ujson('B.json')), fromDense(ujson('C.json')));

// ------------------------------------------------------------------ in process: where the time goes

function inProcess(files: { t: string; b: string; c: string }, demands: string[], intensities: boolean) {
  const t0 = performance.now();
  const m = {
    technosphere: parseMatrixMarket(readFileSync(files.t, 'utf8'), files.t),
    biosphere: parseMatrixMarket(readFileSync(files.b, 'utf8'), files.b),
    characterization: parseMatrixMarket(readFileSync(files.c, 'utf8'), files.c),
  };
  const t1 = performance.now();
  const sys = new LcaSystem(m);
  const t2 = performance.now();
  for (const d of demands) sys.impacts(parseDemandCsv(readFileSync(d, 'utf8'), sys.n, d));
  if (intensities) sys.intensities();
  const t3 = performance.now();
  return {
    parseMs: t1 - t0,
    factorMs: t2 - t1,
    solveMs: t3 - t2,
    luNnz: luNnz(sys.lu),
    tNnz: m.technosphere.colPtr[sys.n]!,
  };
}

// ------------------------------------------------------------------ whole processes

const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const built = join(root, 'dist', 'src', 'modules', 'footprint', 'lca', 'system.js');
const srcDir = join(root, 'src', 'modules', 'footprint', 'lca');
const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
if (!existsSync(built) || statSync(built).mtimeMs < newest || !existsSync(cli)) {
  console.log('building dist (npm run build:server) ...');
  // Type errors elsewhere in the tree do not stop tsc from emitting; the check is the file.
  spawnSync('npm', ['run', 'build:server'], { cwd: root, stdio: 'ignore' });
  if (!existsSync(built))
    throw new Error('npm run build:server did not produce dist/src/modules/footprint/lca');
}

const python = ['python3', '/usr/bin/python3'].find(
  (p) => spawnSync(p, ['-c', 'import scipy.sparse.linalg, scipy.io'], { stdio: 'ignore' }).status === 0,
);
const scipyVersion = python
  ? spawnSync(python, ['-c', 'import scipy; print(scipy.__version__)'], { encoding: 'utf8' }).stdout.trim()
  : undefined;
console.log(python ? `peer: ${python} with SciPy ${scipyVersion}` : 'SciPy not installed: skipped');

interface Answer {
  impacts?: number[];
  results?: { impacts: number[] }[];
  intensities?: number[][];
  timings?: Record<string, number>;
}

function timed(cmd: string, args: string[]): { ms: number; answer: Answer } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, answer: JSON.parse(r.stdout) as Answer };
}

const numbers = (a: Answer): number[] => [
  ...(a.results ?? []).flatMap((r) => r.impacts),
  ...(a.intensities ?? []).flat(),
];
function maxRelDiff(a: Answer, b: Answer): number {
  const x = numbers(a);
  const y = numbers(b);
  if (x.length !== y.length) throw new Error(`answers differ in length: ${x.length} vs ${y.length}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const d = y[i] === 0 ? Math.abs(x[i]!) : Math.abs(x[i]! - y[i]!) / Math.abs(y[i]!);
    if (d > worst) worst = d;
  }
  return worst;
}

const cases = [
  { name: 'one-demand', files: genFiles, demands: demandFiles.slice(0, 1), intensities: false },
  { name: 'ten-demands', files: genFiles, demands: demandFiles, intensities: false },
  { name: 'useeio-intensities', files: useeioFiles, demands: [] as string[], intensities: true },
];
const results: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
for (const c of cases) {
  const steps = inProcess(c.files, c.demands, c.intensities);
  const tail = [...c.demands.flatMap((d) => ['--demand', d]), ...(c.intensities ? ['--intensities'] : [])];
  const ours: number[] = [];
  const theirs: number[] = [];
  let oursAnswer: Answer | undefined;
  let theirAnswer: Answer | undefined;
  for (let r = 0; r < RUNS; r++) {
    // Alternate, so drift in the machine's load falls on both.
    const o = timed(process.execPath, [
      cli,
      'lca',
      'solve',
      '--technosphere',
      c.files.t,
      '--biosphere',
      c.files.b,
      '--characterization',
      c.files.c,
      ...tail,
      '--json',
    ]);
    ours.push(o.ms);
    oursAnswer = o.answer;
    if (python) {
      const s = timed(python, [
        join(root, 'bench', 'lca_scipy.py'),
        c.files.t,
        c.files.b,
        c.files.c,
        ...tail,
      ]);
      theirs.push(s.ms);
      theirAnswer = s.answer;
    }
  }
  const row: Record<string, unknown> = {
    case: c.name,
    runs: RUNS,
    oursMs: median(ours),
    inProcess: steps,
  };
  let line = `${c.name}: ours ${fmt(median(ours))} ms via dist/src/cli/main.js (in process: parse ${fmt(steps.parseMs)} ms, order + factorise ${fmt(steps.factorMs)} ms, solve ${fmt(steps.solveMs, 1)} ms; nnz T ${fmt(steps.tNnz)}, L+U ${fmt(steps.luNnz)})`;
  if (python && theirAnswer && oursAnswer) {
    const ratio = median(ours) / median(theirs);
    const diff = maxRelDiff(oursAnswer, theirAnswer);
    ratios[c.name] = ratio;
    Object.assign(row, { scipyMs: median(theirs), ratio, maxRelDiff: diff, scipySteps: theirAnswer.timings });
    const st = theirAnswer.timings ?? {};
    line += `\n  SciPy ${fmt(median(theirs))} ms (import ${fmt(1000 * (st['import'] ?? 0))} ms, mmread ${fmt(1000 * (st['read'] ?? 0))} ms, splu ${fmt(1000 * (st['factor'] ?? 0))} ms, solve ${fmt(1000 * (st['solve'] ?? 0), 1)} ms)`;
    line += `\n  ratio ours/SciPy ${ratio.toFixed(2)} (medians of ${RUNS}), largest relative difference ${diff.toExponential(2)}`;
  }
  console.log(line);
  results.push(row);
}
writeResult('lca', {
  activities: ACTIVITIES,
  markets: MARKETS,
  python,
  scipy: scipyVersion,
  cases: results,
  ratios,
});
