// The attribution of an installation's emissions to its production processes and goods, as
// Implementing Regulation (EU) 2023/1773, Annex III sets it out. A pure function of the reported
// data and one year's rules: no database, no clock, so the exporter, the importer and the tests all
// get the same figures from the same input. Every figure is decimal.js; outputs are decimal strings.
import { Decimal as BaseDecimal } from 'decimal.js';
import { AppError } from '../../../kernel/errors.js';
import type { RulesSnapshot } from '../contract.js';
import type { CalculationResult, CbamSector, GoodResult, InstallationData, ProcessResult } from '../model.js';

/** 40 significant digits: far beyond what any measurement carries, so rounding happens once, at output. */
const D = BaseDecimal.clone({
  precision: 40,
  rounding: BaseDecimal.ROUND_HALF_UP,
  toExpNeg: -40,
  toExpPos: 40,
});
type D = BaseDecimal;

/** Decimal places of every output figure (t CO2e and t CO2e/t): a gram per tonne. */
export const OUTPUT_DECIMALS = 6;
const out = (d: D): string => {
  const r = d.toDecimalPlaces(OUTPUT_DECIMALS);
  return r.isZero() ? '0' : r.toString();
};

const ZERO = new D(0);
const ONE = new D(1);
/** Mass of CO2 per mass of carbon: 44/12, kept as a fraction so it is applied exactly. */
const CO2_PER_C_NUM = new D(44);
const CO2_PER_C_DEN = new D(12);

const fail = (field: string, message: string): never => {
  throw new AppError('validation_failed', `${field}: ${message}`, { field });
};
/**
 * A figure the rules data lacks (a grid factor, a Commission default): not a fault of the data, so
 * a save keeps such data and the calculation reports the gap. `details.rulesGap` marks it.
 */
const gap = (field: string, message: string): never => {
  throw new AppError('validation_failed', `${field}: ${message}`, { field, details: { rulesGap: true } });
};

type ElectricitySource = 'grid' | 'ppa' | 'direct_connection';

/** A default that entered a figure, and which figure: direct, indirect, or both. */
interface DefaultUse {
  text: string;
  direct: boolean;
  indirect: boolean;
}

interface Computed {
  result: ProcessResult;
  seeDirect: D;
  seeIndirect: D;
  sector: CbamSector;
  defaults: DefaultUse[];
  electricity: { factor: string; source: ElectricitySource } | null;
}

/** Emissions of one source stream, t CO2 (Annex III, B.3): combustion, process or mass balance. */
function streamEmissions(s: InstallationData['sourceStreams'][number], i: number): D {
  const f = (name: string) => `sourceStreams.${i}.${name}`;
  const ad = new D(s.activityData);
  if (ad.isNegative() && s.method !== 'mass_balance')
    fail(f('activityData'), `negative activity data only for mass-balance outputs (stream "${s.id}")`);
  const need = (v: string | undefined, name: string, what: string): D =>
    v === undefined
      ? fail(f(name), `${what} is needed for the ${s.method} method (stream "${s.id}")`)
      : new D(v);
  let e: D;
  if (s.method === 'combustion') {
    const ncv = need(s.ncv, 'ncv', 'the net calorific value (GJ/t)');
    const ef = need(s.emissionFactor, 'emissionFactor', 'the emission factor (t CO2/TJ)');
    const of = s.oxidationFactor === undefined ? ONE : new D(s.oxidationFactor);
    // AD (t) × NCV (GJ/t) = GJ; / 1000 = TJ; × EF (t CO2/TJ) = t CO2.
    e = ad.times(ncv).times(ef).dividedBy(1000).times(of);
  } else if (s.method === 'process') {
    const ef = need(s.emissionFactor, 'emissionFactor', 'the emission factor (t CO2/t)');
    const cf = s.oxidationFactor === undefined ? ONE : new D(s.oxidationFactor);
    e = ad.times(ef).times(cf);
  } else {
    const c = need(s.carbonContent, 'carbonContent', 'the carbon content (t C/t)');
    e = ad.times(c).times(CO2_PER_C_NUM).dividedBy(CO2_PER_C_DEN);
  }
  // Biomass CO2 counts as zero: only the fossil fraction stays.
  if (s.biomassFraction !== undefined) e = e.times(ONE.minus(s.biomassFraction));
  return e;
}

/** The order in which processes must be computed so that every own precursor comes first; refuses loops. */
function topologicalOrder(data: InstallationData, index: Map<string, number>): number[] {
  const state = new Map<number, 'visiting' | 'done'>();
  const order: number[] = [];
  const visit = (i: number, path: number[]): void => {
    const s = state.get(i);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(i)), i].map((k) => data.processes[k]!.id);
      fail(`processes.${i}.precursors`, `precursor loop: ${cycle.join(' → ')}`);
    }
    state.set(i, 'visiting');
    for (const p of data.processes[i]!.precursors) {
      if (!p.from.startsWith('process:')) continue;
      const j = index.get(p.from.slice('process:'.length));
      if (j !== undefined) visit(j, [...path, i]);
    }
    state.set(i, 'done');
    order.push(i);
  };
  for (let i = 0; i < data.processes.length; i++) visit(i, []);
  return order;
}

function uniqueIds(items: { id: string }[], prefix: string): Map<string, number> {
  const m = new Map<string, number>();
  items.forEach((x, i) => {
    if (m.has(x.id)) fail(`${prefix}.${i}.id`, `duplicate id "${x.id}"`);
    m.set(x.id, i);
  });
  return m;
}

/**
 * Attributes the installation's emissions to its processes and computes the specific embedded
 * emissions (SEE) of each process and good. Throws an AppError naming the field at fault.
 */
export function calculate(data: InstallationData, rules: RulesSnapshot): CalculationResult {
  const country = data.installation.country;
  const streamIndex = uniqueIds(data.sourceStreams, 'sourceStreams');
  const processIndex = uniqueIds(data.processes, 'processes');
  const purchasedIndex = uniqueIds(data.purchasedPrecursors, 'purchasedPrecursors');
  const warnings: string[] = [];

  // 1. Source streams.
  const streamE = data.sourceStreams.map((s, i) => streamEmissions(s, i));

  // 2. Shares of each stream over the processes: at most the whole stream.
  const shareSum = data.sourceStreams.map(() => ZERO);
  const shareBy = data.sourceStreams.map(() => [] as string[]);
  data.processes.forEach((p, i) => {
    const seen = new Set<string>();
    p.sourceStreams.forEach((u, j) => {
      const k = streamIndex.get(u.id);
      if (k === undefined) fail(`processes.${i}.sourceStreams.${j}.id`, `no source stream "${u.id}"`);
      if (seen.has(u.id))
        fail(
          `processes.${i}.sourceStreams.${j}.id`,
          `source stream "${u.id}" listed twice in process "${p.id}"`,
        );
      seen.add(u.id);
      shareSum[k!] = shareSum[k!]!.plus(u.share);
      shareBy[k!]!.push(`${p.id} ${u.share}`);
    });
  });
  shareSum.forEach((sum, k) => {
    const s = data.sourceStreams[k]!;
    if (sum.greaterThan(1))
      fail(
        `sourceStreams.${k}`,
        `the shares of source stream "${s.id}" over the processes add up to ${sum.toString()}, more than 1 (${shareBy[k]!.join(', ')})`,
      );
    if (sum.lessThan(1) && !streamE[k]!.isZero())
      warnings.push(
        `source stream "${s.id}": only ${sum.toString()} of its emissions is attributed to a production process`,
      );
  });

  // 3. Energy flows, per process.
  const flowsOf = data.processes.map(
    () => [] as { flow: InstallationData['energyFlows'][number]; i: number }[],
  );
  data.energyFlows.forEach((flow, i) => {
    const k = processIndex.get(flow.process);
    if (k === undefined) fail(`energyFlows.${i}.process`, `no production process "${flow.process}"`);
    flowsOf[k!]!.push({ flow, i });
  });

  // 4. Processes: own precursors first.
  const order = topologicalOrder(data, processIndex);
  const computed = new Map<number, Computed>();
  for (const i of order) {
    const p = data.processes[i]!;
    const f = (name: string) => `processes.${i}.${name}`;
    const category = rules.category(p.goodsCategory);
    if (!category)
      fail(
        f('goodsCategory'),
        `unknown aggregated goods category "${p.goodsCategory}" in the rules of ${rules.year}`,
      );
    const sector = category!.sector;
    const route = p.route ?? null;
    const pw: string[] = [];
    if (route !== null && category!.routes.length > 0 && !category!.routes.includes(route))
      pw.push(
        `route "${route}" is not one of the known routes of ${p.goodsCategory} (${category!.routes.join(', ')})`,
      );
    const defaults: DefaultUse[] = [];
    const al = new D(p.production);
    if (al.isZero())
      fail(f('production'), `process "${p.id}" produced nothing; SEE needs a production above 0`);

    // DirEm: shares of source streams plus other direct emissions.
    let dirEm = ZERO;
    let hasData = false;
    for (const u of p.sourceStreams) {
      const k = streamIndex.get(u.id)!;
      dirEm = dirEm.plus(streamE[k]!.times(u.share));
      if (!new D(u.share).isZero()) hasData = true;
    }
    if (p.otherDirectEmissions !== undefined) {
      dirEm = dirEm.plus(p.otherDirectEmissions);
      hasData = true;
    }

    // AttrEm_dir = DirEm + heat imported − heat exported + waste gas imported − exported − electricity exported.
    let attrDir = dirEm;
    let attrIndir = ZERO;
    let mwh = ZERO;
    const elSources = new Map<ElectricitySource, D>();
    for (const { flow, i: fi } of flowsOf[i]!) {
      const ff = (name: string) => `energyFlows.${fi}.${name}`;
      const q = new D(flow.quantity);
      if (flow.kind === 'heat' || flow.kind === 'waste_gas') {
        if (flow.direction === 'consumed')
          fail(
            ff('direction'),
            `${flow.kind === 'heat' ? 'heat' : 'waste gas'} is reported as imported into or exported from the process`,
          );
        if (flow.emissionFactor === undefined)
          fail(
            ff('emissionFactor'),
            flow.kind === 'heat'
              ? 'the emission factor of the heat (t CO2/TJ) is needed'
              : 'the waste-gas correction (t CO2/TJ) is needed',
          );
        const e = q.times(flow.emissionFactor!);
        attrDir = flow.direction === 'imported' ? attrDir.plus(e) : attrDir.minus(e);
        if (flow.direction === 'imported') hasData = true;
        continue;
      }
      // Electricity.
      if (flow.direction === 'imported')
        fail(
          ff('direction'),
          'electricity is reported as consumed (indirect emissions) or exported (deducted from direct emissions)',
        );
      if (flow.direction === 'exported') {
        if (flow.emissionFactor === undefined)
          fail(ff('emissionFactor'), 'the emission factor of the exported electricity (t CO2/MWh) is needed');
        attrDir = attrDir.minus(q.times(flow.emissionFactor!));
        continue;
      }
      hasData = true;
      const source = flow.electricitySource ?? 'grid';
      let factor: D;
      if (source === 'guarantee_of_origin') {
        return fail(
          ff('electricitySource'),
          'guarantees of origin are not accepted; use the grid factor, or a PPA / direct connection with its own factor',
        );
      } else if (source === 'ppa' || source === 'direct_connection') {
        if (flow.emissionFactor === undefined)
          fail(
            ff('emissionFactor'),
            `electricity from a ${source === 'ppa' ? 'power purchase agreement' : 'direct connection'} needs its own emission factor (t CO2/MWh)`,
          );
        factor = new D(flow.emissionFactor!);
      } else {
        const grid = rules.gridFactor(country);
        if (!grid)
          return gap(
            ff('electricitySource'),
            `no grid emission factor for ${country} in the rules of ${rules.year}`,
          );
        factor = new D(grid.factor);
        if (flow.emissionFactor !== undefined)
          pw.push(
            `energyFlows.${fi}: the factor given (${flow.emissionFactor}) is not used; grid electricity takes the country's grid factor`,
          );
        defaults.push({
          text: `grid electricity factor ${country}: ${grid.factor} t CO2/MWh (${grid.source})`,
          direct: false,
          indirect: true,
        });
      }
      attrIndir = attrIndir.plus(q.times(factor));
      mwh = mwh.plus(q);
      elSources.set(source, (elSources.get(source) ?? ZERO).plus(q));
    }

    // Precursors: M_i × SEE_i, direct and indirect.
    let precDir = ZERO;
    let precIndir = ZERO;
    p.precursors.forEach((u, j) => {
      hasData = true;
      const field = f(`precursors.${j}.from`);
      const m = new D(u.mass);
      if (u.from.startsWith('process:')) {
        const ref = u.from.slice('process:'.length);
        const k = processIndex.get(ref);
        if (k === undefined) fail(field, `no production process "${ref}"`);
        if (k === i) fail(field, `precursor loop: ${p.id} → ${p.id}`);
        const c = computed.get(k!)!;
        precDir = precDir.plus(m.times(c.seeDirect));
        precIndir = precIndir.plus(m.times(c.seeIndirect));
        // Named by the process it came through first; deeper chains keep that one name.
        for (const d of c.defaults)
          defaults.push({
            ...d,
            text: d.text.startsWith('via process ') ? d.text : `via process ${ref}: ${d.text}`,
          });
        return;
      }
      const ref = u.from.slice('purchased:'.length);
      const k = purchasedIndex.get(ref);
      if (k === undefined) fail(field, `no purchased precursor "${ref}"`);
      const pp = data.purchasedPrecursors[k!]!;
      let sd: D;
      let si: D;
      if (pp.seeDirect !== undefined && pp.seeIndirect !== undefined) {
        sd = new D(pp.seeDirect);
        si = new D(pp.seeIndirect);
      } else {
        const dv = rules.defaultValue(pp.country, pp.cn);
        if (!dv)
          return gap(
            `purchasedPrecursors.${k}.${pp.seeDirect === undefined ? 'seeDirect' : 'seeIndirect'}`,
            `no actual value and no Commission default for CN ${pp.cn} from ${pp.country} in ${rules.year}`,
          );
        sd = new D(pp.seeDirect ?? dv.direct);
        si = new D(pp.seeIndirect ?? dv.indirect);
        const parts = [
          ...(pp.seeDirect === undefined ? [`direct ${dv.direct}`] : []),
          ...(pp.seeIndirect === undefined ? [`indirect ${dv.indirect}`] : []),
        ];
        defaults.push({
          text: `purchased precursor ${pp.id} (CN ${pp.cn}, ${pp.country}): Commission default ${parts.join(', ')} t CO2e/t, mark-up ${dv.markup} included (${dv.source})`,
          direct: pp.seeDirect === undefined,
          indirect: pp.seeIndirect === undefined,
        });
      }
      precDir = precDir.plus(m.times(sd));
      precIndir = precIndir.plus(m.times(si));
    });

    if (!hasData)
      fail(
        `processes.${i}`,
        `process "${p.id}" reports production but no emissions data (no source stream share, other direct emissions, imported heat, precursors or electricity)`,
      );

    const seeDirect = attrDir.plus(precDir).dividedBy(al);
    const seeIndirect = attrIndir.plus(precIndir).dividedBy(al);
    const counts = rules.countsIndirect(sector);
    const seeTotal = counts ? seeDirect.plus(seeIndirect) : seeDirect;
    if (attrDir.isNegative())
      pw.push(
        `attributed direct emissions are negative (${out(attrDir)} t CO2e): more heat, waste gas or electricity exported than emitted`,
      );
    const range = rules.plausibleRange(p.goodsCategory, route);
    if (range && (seeDirect.lessThan(range.min) || seeDirect.greaterThan(range.max)))
      pw.push(
        `direct SEE ${out(seeDirect)} t CO2e/t is outside the typical range ${range.min}–${range.max} for ${p.goodsCategory}${route ? ` (${route})` : ''} (${range.source})`,
      );

    let electricity: Computed['electricity'] = null;
    if (mwh.greaterThan(0)) {
      // The factor behind the process's own indirect figure: the MWh-weighted average over its
      // flows; the source is the one that supplied the most electricity.
      const main = [...elSources.entries()].sort((a, b) => b[1].comparedTo(a[1]))[0]![0];
      electricity = { factor: out(attrIndir.dividedBy(mwh)), source: main };
    }
    const result: ProcessResult = {
      process: p.id,
      goodsCategory: p.goodsCategory,
      route,
      production: out(al),
      directEmissions: out(dirEm),
      attributedDirect: out(attrDir),
      attributedIndirect: out(attrIndir),
      precursorsDirect: out(precDir),
      precursorsIndirect: out(precIndir),
      seeDirect: out(seeDirect),
      seeIndirect: out(seeIndirect),
      seeTotal: out(seeTotal),
      defaults: [...new Set(defaults.map((d) => d.text))],
      warnings: pw,
    };
    computed.set(i, { result, seeDirect, seeIndirect, sector, defaults, electricity });
  }

  // 5. Goods: one row per CN code of each process, in the order the processes were given.
  const processes: ProcessResult[] = [];
  const goods: GoodResult[] = [];
  data.processes.forEach((p, i) => {
    const c = computed.get(i)!;
    processes.push(c.result);
    for (const w of c.result.warnings) warnings.push(`process "${p.id}": ${w}`);
    const counts = rules.countsIndirect(c.sector);
    // A default makes the good's figure a default when it entered what is declared: the direct
    // part always, the indirect part only where indirect emissions count for the sector.
    const fromDefault = c.defaults.some((d) => d.direct || (d.indirect && counts));
    for (const cn of p.cnCodes)
      goods.push({
        cn,
        process: p.id,
        goodsCategory: p.goodsCategory,
        route: c.result.route,
        sector: c.sector,
        seeDirect: c.result.seeDirect,
        seeIndirect: c.result.seeIndirect,
        seeTotal: c.result.seeTotal,
        source: fromDefault ? 'default' : 'actual',
        electricity: c.electricity,
      });
  });

  let total = streamE.reduce((a, e) => a.plus(e), ZERO);
  for (const p of data.processes)
    if (p.otherDirectEmissions !== undefined) total = total.plus(p.otherDirectEmissions);

  return {
    installation: { name: data.installation.name, country },
    reportingPeriod: { start: data.reportingPeriod.start, end: data.reportingPeriod.end },
    sourceStreams: data.sourceStreams.map((s, k) => ({ id: s.id, emissions: out(streamE[k]!) })),
    totalDirectEmissions: out(total),
    processes,
    goods,
    warnings,
  };
}
