// Writes data/factors/useeio-v2.0-spend.csv: spend-based supply-chain GHG factors for the 405
// US commodity sectors of USEEIO v2.0, computed by GreenTrade's own LCA engine from the model
// matrices in data/useeio-v2.0-ghg (A, B, C), not copied from the published totals (U.json is
// what the engine's test checks against). See data/factors/SOURCE-useeio.md.
// Run after changing the data or the engine: `npx tsx scripts/build-useeio-factors.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dataFile } from '../src/kernel/paths.js';
import { fromDense, fromTriplets, LcaSystem } from '../src/modules/footprint/lca/index.js';

const HEADER =
  'key,name,activity,unit,value,region,year,gwp_set,fossil,biogenic,biogenic_removal,luc,aircraft,co2,ch4,n2o,other_ghg,source,licence,dq_technological,dq_temporal,dq_geographical,dq_completeness,dq_reliability,tags';
const SOURCE =
  "US EPA USEEIO v2.0 (GHG subset), supply-chain intensities computed by GreenTrade's LCA engine";
const LICENCE = 'Public domain (US Government work)';
const TAGS = 'spend-based;supply-chain;useeio';

/**
 * The widget model files state B in kg per USD, but their numbers are 10⁻⁶ of that: with them
 * as given, cement comes out at 8.7e-6 and electricity at 3.8e-6 "kg CO2e/USD", where EPA's own
 * supply-chain factors from the same model family are 0.03–3.9 kg CO2e/USD. Times 10⁶ the
 * whole distribution matches (cement 8.7, cattle 4.3, electricity 3.8, median 0.34 kg/USD 2012),
 * so the factors are scaled to kg per USD here, once, in the open. See SOURCE-useeio.md.
 */
const TO_KG_PER_USD = 1e6;

const json = <T>(f: string): T => JSON.parse(readFileSync(dataFile('useeio-v2.0-ghg', f), 'utf8')) as T;

/** A decimal with up to 15 significant digits and never an exponent. */
export function decimal(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) throw new Error(`not finite: ${x}`);
  const [mant, expS] = x.toPrecision(15).split('e') as [string, string | undefined];
  const neg = mant.startsWith('-');
  const m = neg ? mant.slice(1) : mant;
  let [int, frac = ''] = m.split('.') as [string, string | undefined];
  const exp = Number(expS ?? 0);
  let digits = int + frac;
  let point = int.length + exp; // position of the decimal point in `digits`
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) digits += '0'.repeat(point - digits.length);
  int = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  frac = digits.slice(point).replace(/0+$/, '');
  return (neg ? '-' : '') + int + (frac ? '.' + frac : '');
}

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function main(): void {
  const A = json<number[][]>('A.json');
  const sectors = json<{ index: number; code: string; name: string }[]>('sectors.json');
  const flows = json<{ index: number; name: string }[]>('flows.json');
  const indicators = json<{ index: number; name: string }[]>('indicators.json');
  const n = A.length;
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
  const B = json<number[][]>('B.json');
  const C = json<number[][]>('C.json');
  const sys = new LcaSystem(
    { technosphere: fromTriplets(n, n, ri, ci, v), biosphere: fromDense(B), characterization: fromDense(C) },
    { activities: sectors.map((s) => s.name) },
  );
  const ghg = indicators.findIndex((i) => i.name === 'Greenhouse Gases');
  if (ghg < 0) throw new Error('indicators.json: no "Greenhouse Gases"');
  const flowIndex = (name: string) => {
    const k = flows.findIndex((f) => f.name === name);
    if (k < 0) throw new Error(`flows.json: no "${name}"`);
    return k;
  };
  const gases = {
    co2: flowIndex('Carbon dioxide'),
    ch4: flowIndex('Methane'),
    n2o: flowIndex('Nitrous oxide'),
  };
  // N = C·B·T⁻¹ (total GHG) and M = B·T⁻¹ (each gas), both by transposed solves on one LU.
  const N = sys.intensities()[ghg]!;
  const M = B.map((row) => sys.solveTransposed(row).scaling);
  const lines = [HEADER];
  for (let j = 0; j < n; j++) {
    const s = sectors[j]!;
    if (s.index !== j) throw new Error(`sectors.json: entry ${j} has index ${s.index}`);
    let other = 0;
    for (let f = 0; f < flows.length; f++)
      if (f !== gases.co2 && f !== gases.ch4 && f !== gases.n2o) other += C[ghg]![f]! * M[f]![j]!;
    const value = decimal(N[j]! * TO_KG_PER_USD);
    lines.push(
      [
        `useeio-v2.0/${s.code.toLowerCase()}`,
        quote(s.name),
        `spend.${s.code}`,
        'USD',
        value,
        'US',
        '2012',
        'AR4',
        value,
        '',
        '',
        '',
        '',
        decimal(M[gases.co2]![j]! * TO_KG_PER_USD),
        decimal(M[gases.ch4]![j]! * TO_KG_PER_USD),
        decimal(M[gases.n2o]![j]! * TO_KG_PER_USD),
        other === 0 ? '' : decimal(other * TO_KG_PER_USD),
        quote(SOURCE),
        quote(LICENCE),
        '',
        '',
        '',
        '',
        '',
        TAGS,
      ].join(','),
    );
  }
  const out = dataFile('factors', 'useeio-v2.0-spend.csv');
  writeFileSync(out, lines.join('\n') + '\n');
  console.log(`wrote ${out}: ${n} sectors`);
}

main();
