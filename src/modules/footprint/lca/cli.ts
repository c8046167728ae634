import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { output, table } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import { parseMatrixMarket } from './matrix-market.js';
import { LcaSystem } from './system.js';
import { parseDemandCsv } from './vector-csv.js';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError(
      'bad_request',
      `cannot read the ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        field: what,
      },
    );
  }
}

export interface LcaSolveOptions {
  technosphere: string;
  biosphere: string;
  characterization: string;
  demand?: string[];
  intensities?: boolean;
  out?: string;
}

export interface LcaSolveOutput {
  /** The first demand's impacts, one per row of C. */
  impacts?: number[];
  results?: { demand: string; impacts: number[]; residual: number }[];
  /** C·B·T⁻¹, indicators × activities (when asked for and not written to --out). */
  intensities?: number[][];
  out?: string;
  activities: number;
  flows: number;
  indicators: number;
}

/** Reads the files, factorises once, solves each demand (and the intensities when asked). */
export function lcaSolve(o: LcaSolveOptions): LcaSolveOutput {
  const demands = o.demand ?? [];
  if (!demands.length && !o.intensities)
    throw new AppError('bad_request', 'give --demand FILE (one or more) or --intensities', {
      field: 'demand',
    });
  if (o.out && !o.intensities)
    throw new AppError('bad_request', '--out writes the intensity matrix: give --intensities too', {
      field: 'out',
    });
  const sys = new LcaSystem({
    technosphere: parseMatrixMarket(readText(o.technosphere, 'technosphere'), o.technosphere),
    biosphere: parseMatrixMarket(readText(o.biosphere, 'biosphere'), o.biosphere),
    characterization: parseMatrixMarket(readText(o.characterization, 'characterization'), o.characterization),
  });
  const out: Omit<LcaSolveOutput, 'activities' | 'flows' | 'indicators'> = {};
  if (demands.length) {
    const results = demands.map((file) => {
      const f = parseDemandCsv(readText(file, 'demand'), sys.n, file);
      const sol = sys.solve(f);
      const h = Array.from(characterise(sys, sol.scaling));
      return { demand: file, impacts: h, residual: sol.residual };
    });
    out.impacts = results[0]!.impacts;
    out.results = results;
  }
  if (o.intensities) {
    const n = sys.intensities().map((r) => Array.from(r));
    if (o.out) {
      const header = ['indicator', ...Array.from({ length: sys.n }, (_, j) => String(j))].join(',');
      writeFileSync(o.out, [header, ...n.map((r, i) => [i, ...r].join(','))].join('\n') + '\n');
      out.out = o.out;
    } else out.intensities = n;
  }
  return { ...out, activities: sys.n, flows: sys.flows, indicators: sys.indicators };
}

/** h = C·(B·s). */
const characterise = (sys: LcaSystem, s: Float64Array): Float64Array => {
  const g = sys.inventory(s);
  const c = sys.matrices.characterization;
  const h = new Float64Array(c.rows);
  for (let j = 0; j < c.cols; j++)
    for (let p = c.colPtr[j]!; p < c.colPtr[j + 1]!; p++) h[c.rowIdx[p]!]! += c.values[p]! * g[j]!;
  return h;
};

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `greentrade lca …`: the LCA matrix engine on Matrix Market files. */
export function lcaCli(): Command {
  const lca = new Command('lca').description(
    'LCA matrix engine: solve technosphere/biosphere/characterisation systems',
  );
  lca
    .command('solve')
    .description(
      'Impacts h = C·B·T⁻¹·f per indicator. T in the LCA sign convention (outputs +, inputs −; I − A for an IO model), Matrix Market files; demand CSV "index,amount" (0-based rows)',
    )
    .requiredOption('--technosphere <file.mtx>', 'T, activities × activities')
    .requiredOption('--biosphere <file.mtx>', 'B, flows × activities')
    .requiredOption('--characterization <file.mtx>', 'C, indicators × flows')
    .option('--demand <file.csv>', 'demand vector; repeat for several (one factorisation)', collect)
    .option('--intensities', 'also the intensity matrix C·B·T⁻¹ (indicators × activities)')
    .option('--out <file.csv>', 'write the intensities as CSV here instead of printing them')
    .option('--json', 'JSON output')
    .action((o: LcaSolveOptions, cmd: Command) => {
      const r = lcaSolve(o);
      output(cmd, r, () => {
        const parts: string[] = [];
        for (const res of r.results ?? [])
          parts.push(
            `${res.demand}:\n` +
              table(
                ['indicator', 'impact'],
                res.impacts.map((v, i) => [i, v]),
              ),
          );
        if (r.out) parts.push(`intensities (${r.indicators}×${r.activities}) written to ${r.out}`);
        else if (r.intensities)
          parts.push(
            table(
              ['indicator', ...r.intensities[0]!.map((_, j) => String(j))],
              r.intensities.map((row, i) => [i, ...row]),
            ),
          );
        return parts.join('\n\n');
      });
    });
  return lca;
}
