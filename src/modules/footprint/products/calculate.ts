/**
 * The footprint calculation: a pure function over a parsed model and factors already resolved
 * (the service resolves them through the factor library; tests hand-write them). decimal.js
 * throughout; nothing is rounded but the per-declared-unit quotients (to DP places, so that
 * every breakdown is an exact sum of the same terms as the total).
 */
import { Decimal } from 'decimal.js';
import { AppError } from '../../../kernel/errors.js';
import { convert, requireUnit } from '../../../kernel/units.js';
import type { DataQuality, Factor, GwpSet } from '../factors/index.js';
import type { ProductModel } from './model.js';
import type { FactorUsed, FootprintResult, InputLine, Stage } from './result.js';
import { STAGES } from './result.js';

/** Precise enough that sums of 12-decimal terms up to 10^30 stay exact. */
// Plain notation always: JSON decimals read "0.00000001", never "1e-8".
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
type D = Decimal;
const ZERO = new D(0);
/** Decimal places of the per-declared-unit values. */
export const DP = 12;

/** Factors resolved for a model, by the model line that uses them; plain JSON (stored with a footprint). */
export interface ResolvedFactors {
  /** The factor each line's `factor` names, by line path (`materials.0`, `energy.1`). */
  lines: Record<string, Factor>;
  /** Each electricity line's grid factor (location-based) and residual mix (null: none published). */
  electricity: Record<string, { grid: Factor; residualMix: Factor | null }>;
}

/**
 * GWP-100 of CH4 and N2O per IPCC report. AR6 (WG1 Table 7.15) and AR5 (Table 8.A.1) give
 * fossil methane a higher value (its carbon ends as fossil CO2); AR4 gives one value.
 */
export const GWP: Record<GwpSet, { ch4Fossil: string; ch4Biogenic: string; n2o: string }> = {
  AR4: { ch4Fossil: '25', ch4Biogenic: '25', n2o: '298' },
  AR5: { ch4Fossil: '30', ch4Biogenic: '28', n2o: '265' },
  AR6: { ch4Fossil: '29.8', ch4Biogenic: '27.0', n2o: '273' },
};
export const DEFAULT_GWP_SET: GwpSet = 'AR6';

const RATED = ['technological', 'temporal', 'geographical', 'completeness', 'reliability'] as const;

/** One input line in absolute terms (for the whole declared amount), before division. */
interface Line {
  path: string;
  name: string;
  stage: Stage;
  amount: string;
  unit: string;
  converted: D;
  convertedUnit: string;
  basis: InputLine['basis'];
  factorKey: string | null;
  excl: D;
  fossil: D;
  biogenic: D;
  removal: D;
  luc: D;
  aircraft: D;
  primary: D;
  gas: { CO2: D; CH4: D; N2O: D; other: D };
  quality: { [K in keyof DataQuality]?: DataQuality[K] | undefined } | null;
}

/** The amount in the factor's unit, refused by name across dimensions (src/kernel/units.ts, exact to 60 digits). */
const toUnit = (amount: string | number | D, from: string, to: string, field: string): D =>
  new D(convert(String(amount), from, to, field).toString());

const dec = (v: string | number | null | undefined): D => (v === null || v === undefined ? ZERO : new D(v));
const noGas = () => ({ CO2: ZERO, CH4: ZERO, N2O: ZERO, other: ZERO });

/** What `q` units of activity under factor `f` emit, split as PACT reports (kg CO2e, kg gas → CO2e). */
function underFactor(f: Factor, q: D, fallbackGwp: GwpSet) {
  const s = f.split;
  const value = new D(f.value);
  const unsplit =
    s.fossil === null &&
    s.biogenic === null &&
    s.biogenicRemoval === null &&
    s.luc === null &&
    s.aircraft === null;
  // A factor's value is kg CO2e excluding biogenic CO2; without a split all of it is fossil,
  // with one, fossil defaults to what dLUC leaves of the value.
  const luc = dec(s.luc);
  const fossil = unsplit ? value : s.fossil !== null ? new D(s.fossil) : value.minus(luc);
  const gwp = GWP[f.gwpSet ?? fallbackGwp];
  const g = f.gases;
  return {
    excl: q.times(value),
    fossil: q.times(fossil),
    biogenic: q.times(dec(s.biogenic)),
    // Removals are reported positive whichever sign the source gave them.
    removal: q.times(dec(s.biogenicRemoval).abs()),
    luc: q.times(luc),
    aircraft: q.times(dec(s.aircraft)),
    gas: {
      CO2: q.times(dec(g.co2)),
      CH4: q.times(dec(g.ch4)).times(gwp.ch4Fossil),
      N2O: q.times(dec(g.n2o)).times(gwp.n2o),
      other: q.times(dec(g.otherGhg)),
    },
  };
}

function need<T>(v: T | undefined, field: string, what: string): T {
  if (v === undefined) throw new AppError('validation_failed', `${field}: ${what}`, { field });
  return v;
}

export interface CalculateOptions {
  /** Extra warnings from resolving (e.g. a factor of another year than the model's). */
  warnings?: string[];
}

export function calculate(
  model: ProductModel,
  factors: ResolvedFactors,
  options: CalculateOptions = {},
): FootprintResult {
  const gwpSet = model.gwpSet ?? DEFAULT_GWP_SET;
  const grave = model.boundary === 'cradle-to-grave';
  const declared = new D(model.declaredUnit.amount);
  requireUnit(model.declaredUnit.unit, 'declaredUnit.unit');
  const lines: Line[] = [];
  // Per declared unit: each term divided once, and every total summed from the same terms.
  const div = (x: D): string => x.dividedBy(declared).toDecimalPlaces(DP).toString();
  const per = (x: D) => new D(div(x));
  const excluded: FootprintResult['excluded'] = [];
  const warnings = [...(options.warnings ?? [])];
  const used = new Map<string, { f: Factor; usedBy: string[] }>();
  const gwpSets = new Set<GwpSet>();
  const use = (f: Factor, by: string) => {
    const u = used.get(f.id) ?? { f, usedBy: [] };
    u.usedBy.push(by);
    used.set(f.id, u);
    if (f.gwpSet) gwpSets.add(f.gwpSet);
  };
  const lineFactor = (path: string) =>
    need(factors.lines[path], `${path}.factor`, 'no factor resolved for this line');

  /** A line of `amount unit` of an activity under a library factor. */
  const factorLine = (
    path: string,
    item: { name: string; amount: string | number; unit: string },
    stage: Stage,
    extra: { aircraftAll?: boolean } = {},
  ): Line => {
    const f = lineFactor(path);
    use(f, path);
    const q = toUnit(String(item.amount), item.unit, f.unit, `${path}.unit`);
    const e = underFactor(f, q, gwpSet);
    return {
      path,
      name: item.name,
      stage,
      amount: String(item.amount),
      unit: item.unit,
      converted: q,
      convertedUnit: f.unit,
      basis: 'factor',
      factorKey: f.key,
      ...e,
      // An air leg is aircraft emissions as a whole (PACT aircraftGhgEmissions).
      aircraft: extra.aircraftAll ? e.excl : e.aircraft,
      primary: ZERO,
      quality: f.quality,
    };
  };

  model.materials.forEach((m, i) => {
    const path = `materials.${i}`;
    if (m.factor) {
      lines.push(factorLine(path, m, 'raw-materials'));
      return;
    }
    const sf = m.supplierFootprint!;
    // The amount in the supplier's declared units: their PCF is per one of those.
    const inUnit = toUnit(String(m.amount), m.unit, sf.declaredUnit.unit, `${path}.unit`);
    const q = inUnit.dividedBy(String(sf.declaredUnit.amount));
    const excl = q.times(String(sf.pcfExcludingBiogenic));
    const luc = q.times(dec(sf.luc));
    if (sf.gwpSet) gwpSets.add(sf.gwpSet);
    lines.push({
      path,
      name: m.name,
      stage: 'raw-materials',
      amount: String(m.amount),
      unit: m.unit,
      converted: inUnit,
      convertedUnit: sf.declaredUnit.unit,
      basis: 'supplier',
      factorKey: null,
      excl,
      fossil: sf.fossil !== undefined ? q.times(String(sf.fossil)) : excl.minus(luc),
      biogenic: q.times(dec(sf.biogenic)),
      removal: q.times(dec(sf.biogenicRemoval)),
      luc,
      aircraft: q.times(dec(sf.aircraft)),
      // A supplier's own footprint is primary data (PACT), all of it.
      primary: excl,
      gas: noGas(),
      quality: sf.dataQuality ?? null,
    });
  });

  const electricity: FootprintResult['electricity']['lines'] = [];
  let locationTotal = ZERO;
  let marketTotal = ZERO;
  model.energy.forEach((e, i) => {
    const path = `energy.${i}`;
    if (e.carrier !== 'electricity') {
      lines.push(factorLine(path, e, 'production-energy'));
      return;
    }
    const kWh = toUnit(String(e.amount), e.unit, 'kWh', `${path}.unit`);
    const resolved = factors.electricity[path];
    // An explicit factor on the line is its location-based factor (a grid zone the library lacks).
    const grid = e.factor
      ? lineFactor(path)
      : need(resolved?.grid, `${path}.gridRegion`, 'no grid factor resolved');
    const residual = e.factor ? null : (resolved?.residualMix ?? null);
    use(grid, `${path} (location-based)`);
    const inGrid = (k: D, field: string) => toUnit(k.toString(), 'kWh', grid.unit, field);
    const location = underFactor(grid, inGrid(kWh, `${path}.unit`), gwpSet);
    let covered = ZERO;
    let instrumentEm = ZERO;
    const instruments = (e.instruments ?? []).map((ins, k) => {
      const ik = toUnit(String(ins.amount), ins.unit, 'kWh', `${path}.instruments.${k}.unit`);
      const fac = dec(ins.factor);
      covered = covered.plus(ik);
      instrumentEm = instrumentEm.plus(ik.times(fac));
      return {
        type: ins.type,
        id: ins.id,
        kWh: ik.toString(),
        factor: fac.toString(),
        emissions: div(ik.times(fac)),
      };
    });
    if (covered.greaterThan(kWh))
      throw new AppError(
        'validation_failed',
        `${path}.instruments: they cover ${covered.toString()} kWh, more than the ${kWh.toString()} kWh used`,
        { field: `${path}.instruments` },
      );
    const flags: string[] = [];
    const rest = kWh.minus(covered);
    // Market-based (GHG Protocol Scope 2): uncovered power at the residual mix, else the grid factor.
    const marketFactor = residual ?? grid;
    if (!residual && !e.factor && rest.greaterThan(0))
      flags.push(`no residual mix published for ${e.gridRegion ?? model.region}: grid factor used`);
    if (residual && rest.greaterThan(0)) use(residual, `${path} (market-based)`);
    const restEm = underFactor(marketFactor, inGrid(rest, `${path}.unit`), gwpSet);
    const market = restEm.excl.plus(instrumentEm);
    locationTotal = locationTotal.plus(per(location.excl));
    marketTotal = marketTotal.plus(per(market));
    const ref = (f: Factor) => ({
      key: f.key,
      release: f.release,
      value: f.value,
      unit: f.unit,
      year: f.year,
    });
    electricity.push({
      path,
      name: e.name,
      kWh: kWh.toString(),
      gridRegion: e.gridRegion ?? model.region,
      gridFactor: ref(grid),
      residualMixFactor: residual ? ref(residual) : null,
      coveredKWh: covered.toString(),
      instruments,
      locationBased: div(location.excl),
      marketBased: div(market),
      flags,
    });
    warnings.push(...flags.map((f) => `${path}: ${f}`));
    lines.push({
      path,
      name: e.name,
      stage: 'production-energy',
      amount: String(e.amount),
      unit: e.unit,
      converted: kWh,
      convertedUnit: 'kWh',
      basis: 'electricity',
      factorKey: marketFactor.key,
      excl: market,
      // Contracted power's emissions are taken as fossil CO2e, not split by gas.
      fossil: restEm.fossil.plus(instrumentEm),
      biogenic: restEm.biogenic,
      removal: restEm.removal,
      luc: restEm.luc,
      aircraft: ZERO,
      // Power under a contractual instrument is supplier-specific data: primary.
      primary: instrumentEm,
      gas: restEm.gas,
      quality: e.dataQuality ?? marketFactor.quality,
    });
  });

  model.processEmissions.forEach((p, i) => {
    const path = `processEmissions.${i}`;
    const kg = new D(p.amount);
    const gwp = GWP[gwpSet];
    const co2e =
      p.gas === 'CH4'
        ? kg.times(p.biogenic ? gwp.ch4Biogenic : gwp.ch4Fossil)
        : p.gas === 'N2O'
          ? kg.times(gwp.n2o)
          : kg;
    gwpSets.add(gwpSet);
    // Biogenic CO2 is reported beside the total (PACT pCfIncludingBiogenic), biogenic CH4 counts.
    const bioCO2 = p.biogenic === true && p.gas === 'CO2';
    const excl = bioCO2 ? ZERO : co2e;
    const gas = noGas();
    if (!bioCO2) gas[p.gas] = co2e;
    lines.push({
      path,
      name: p.name,
      stage: 'production-process',
      amount: String(p.amount),
      unit: p.gas === 'other' ? 'kg CO2e' : `kg ${p.gas}`,
      converted: co2e,
      convertedUnit: 'kg CO2e',
      basis: 'process',
      factorKey: null,
      excl,
      fossil: p.biogenic ? ZERO : excl,
      biogenic: bioCO2 ? co2e : ZERO,
      removal: ZERO,
      luc: ZERO,
      aircraft: ZERO,
      primary: p.measured ? excl : ZERO,
      gas,
      quality: p.dataQuality ?? null,
    });
  });

  model.transport.forEach((t, i) => {
    const path = `transport.${i}`;
    if (t.leg === 'distribution' && !grave) {
      excluded.push({ path, name: t.name, reason: 'distribution is after the gate (cradle-to-gate)' });
      return;
    }
    // Transport work in t·km, from mass × distance or as given.
    const tkm =
      t.amount !== undefined
        ? { amount: String(t.amount), unit: t.unit! }
        : {
            amount: toUnit(String(t.mass), t.massUnit!, 't', `${path}.massUnit`)
              .times(toUnit(String(t.distance), t.distanceUnit, 'km', `${path}.distanceUnit`))
              .toString(),
            unit: 't·km',
          };
    const line = factorLine(
      path,
      { name: t.name, ...tkm },
      t.leg === 'distribution' ? 'distribution' : 'transport-upstream',
      {
        aircraftAll: t.mode === 'air',
      },
    );
    lines.push(line);
  });

  for (const [section, stage] of [
    ['use', 'use'],
    ['endOfLife', 'end-of-life'],
  ] as const)
    model[section].forEach((a, i) => {
      const path = `${section}.${i}`;
      if (!grave)
        excluded.push({ path, name: a.name, reason: `${stage} is outside the cradle-to-gate boundary` });
      else lines.push(factorLine(path, a, stage));
    });

  const perLines = lines.map((l) => ({
    l,
    excl: per(l.excl),
    gas: { CO2: per(l.gas.CO2), CH4: per(l.gas.CH4), N2O: per(l.gas.N2O), other: per(l.gas.other) },
  }));
  const sum = (xs: D[]) => xs.reduce((a, b) => a.plus(b), ZERO);
  const total = sum(perLines.map((p) => p.excl));
  const share = (x: D) =>
    total.isZero() ? '0' : x.dividedBy(total).times(100).toDecimalPlaces(4).toString();
  const sumOf = (k: 'fossil' | 'biogenic' | 'removal' | 'luc' | 'aircraft' | 'primary') =>
    sum(lines.map((l) => per(l[k])));
  const biogenic = sumOf('biogenic');
  const removals = sumOf('removal');
  const primary = sumOf('primary');

  const byStage = STAGES.map((stage) => {
    const e = sum(perLines.filter((p) => p.l.stage === stage).map((p) => p.excl));
    return { stage, emissions: e.toString(), sharePercent: share(e) };
  }).filter((s, i) => !new D(s.emissions).isZero() || lines.some((l) => l.stage === STAGES[i]));

  const gasTotals = { CO2: ZERO, CH4: ZERO, N2O: ZERO, other: ZERO, unsplit: ZERO };
  for (const p of perLines) {
    const attributed = p.gas.CO2.plus(p.gas.CH4).plus(p.gas.N2O).plus(p.gas.other);
    gasTotals.CO2 = gasTotals.CO2.plus(p.gas.CO2);
    gasTotals.CH4 = gasTotals.CH4.plus(p.gas.CH4);
    gasTotals.N2O = gasTotals.N2O.plus(p.gas.N2O);
    gasTotals.other = gasTotals.other.plus(p.gas.other);
    // What the per-gas values do not account for (none given, or rounding in the source).
    gasTotals.unsplit = gasTotals.unsplit.plus(p.excl.minus(attributed));
  }
  const byGas = (['CO2', 'CH4', 'N2O', 'other', 'unsplit'] as const)
    .filter((g) => !gasTotals[g].isZero())
    .map((gas) => ({ gas, emissions: gasTotals[gas].toString(), sharePercent: share(gasTotals[gas]) }));

  // Data quality: per PACT indicator, the average rating weighted by each rated input's emissions.
  const weightAll = sum(perLines.map((p) => p.excl.abs()));
  const dataQuality = Object.fromEntries(
    RATED.map((k) => {
      let w = ZERO;
      let wr = ZERO;
      for (const p of perLines) {
        const r = p.l.quality?.[k];
        if (r === null || r === undefined) continue;
        w = w.plus(p.excl.abs());
        wr = wr.plus(p.excl.abs().times(r));
      }
      return [
        k,
        {
          rating: w.isZero() ? null : wr.dividedBy(w).toDecimalPlaces(4).toString(),
          coveragePercent: weightAll.isZero()
            ? '0'
            : w.dividedBy(weightAll).times(100).toDecimalPlaces(4).toString(),
        },
      ];
    }),
  ) as FootprintResult['dataQuality'];

  const exemptTotal = sum(model.exemptions.map((e) => new D(e.sharePercent)));
  if (gwpSets.size > 1)
    warnings.push(
      `characterisation factors of different IPCC reports are mixed: ${[...gwpSets].sort().join(', ')}`,
    );

  const factorsUsed: FactorUsed[] = [...used.values()].map(({ f, usedBy }) => ({
    id: f.id,
    release: f.release,
    releaseVersion: f.releaseVersion,
    key: f.key,
    name: f.name,
    activity: f.activity,
    value: f.value,
    unit: f.unit,
    region: f.region,
    year: f.year,
    gwpSet: f.gwpSet,
    source: f.source,
    licence: f.licence,
    usedBy,
  }));

  const totalLocation = total.minus(marketTotal).plus(locationTotal);
  return {
    product: {
      name: model.name,
      declaredUnit: { amount: String(model.declaredUnit.amount), unit: model.declaredUnit.unit },
      boundary: model.boundary,
      region: model.region,
      year: model.year,
    },
    perUnit: `1 ${model.declaredUnit.unit}`,
    method: {
      standards: [
        'ISO 14067:2018',
        'GHG Protocol Product Standard',
        'PACT Technical Specification (pCfExcludingBiogenic)',
      ],
      headline: 'market-based',
      notes: [
        'The total is the PCF excluding biogenic CO2 (PACT pCfExcludingBiogenic), with electricity market-based (GHG Protocol Scope 2 guidance: contractual instruments, else the residual mix); the location-based total is given beside it.',
        'Primary data: supplier footprints, measured process emissions and electricity covered by contractual instruments.',
        'No credits for avoided burdens: negative amounts are refused.',
      ],
    },
    total: total.toString(),
    pcfExcludingBiogenic: total.toString(),
    pcfIncludingBiogenic: total.plus(biogenic).minus(removals).toString(),
    totalLocationBased: totalLocation.toString(),
    fossil: sumOf('fossil').toString(),
    biogenicEmissions: biogenic.toString(),
    biogenicRemovals: removals.toString(),
    luc: sumOf('luc').toString(),
    aircraft: sumOf('aircraft').toString(),
    byStage,
    byInput: perLines.map(({ l, excl }) => ({
      path: l.path,
      name: l.name,
      stage: l.stage,
      amount: l.amount,
      unit: l.unit,
      convertedAmount: l.converted.toString(),
      convertedUnit: l.convertedUnit,
      basis: l.basis,
      factorKey: l.factorKey,
      emissions: excl.toString(),
      fossil: div(l.fossil),
      biogenic: div(l.biogenic),
      biogenicRemoval: div(l.removal),
      luc: div(l.luc),
      aircraft: div(l.aircraft),
      primary: div(l.primary),
      sharePercent: share(excl),
    })),
    byGas,
    electricity: {
      locationBased: locationTotal.toString(),
      marketBased: marketTotal.toString(),
      lines: electricity,
    },
    primaryDataShare: total.isZero() ? null : share(primary),
    dataQuality,
    exemptions: {
      items: model.exemptions.map((e) => ({
        description: e.description,
        sharePercent: String(e.sharePercent),
      })),
      totalPercent: exemptTotal.toString(),
    },
    excluded,
    characterisation: { gwpSets: [...gwpSets].sort(), mixed: gwpSets.size > 1, processGwpSet: gwpSet },
    warnings,
    factorsUsed,
  };
}
