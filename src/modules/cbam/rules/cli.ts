import { Command } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { CbamServices } from '../services.js';
import { formatCn } from './service.js';

type Open = Opener<{ cbam: CbamServices }>;

const yearOf = (v: string | undefined): number => {
  if (v === undefined) return new Date().getUTCFullYear();
  if (!/^\d{4}$/.test(v))
    throw new AppError('bad_request', `--year: "${v.slice(0, 20)}" is not a year`, { field: 'year' });
  return Number(v);
};

/** `greentrade cbam scope CN` and `greentrade cbam rules categories|defaults|factors|de-minimis|free-allocation`. */
export function rulesCommands(open: Open): Command[] {
  const scope = new Command('scope')
    .description('Is a CN code (8 digits, or a 4/6-digit heading/subheading) a CBAM good? Sector and reason')
    .argument('<cn...>', 'the CN code, e.g. 72085120 or "7208 51 20" (several allowed)')
    .option('--as-of <date>', 'read the Annex I list as on this date (YYYY-MM-DD)')
    .option('--json', 'JSON output: {"cn","inScope","sector","reason"}')
    .action(async (codes: string[], o: { asOf?: string }, cmd: Command) => {
      await using(open, async ({ cbam }) => {
        const answers =
          codes.length === 1
            ? [await cbam.rules.scope(codes[0]!, o.asOf)]
            : await cbam.rules.scopeMany(codes, o.asOf);
        // Exactly the four keys the issue names, for scripts.
        const plain = answers.map((a) => ({
          cn: a.cn,
          inScope: a.inScope,
          sector: a.sector,
          reason: a.reason,
        }));
        output(cmd, plain.length === 1 ? plain[0] : plain, () =>
          answers
            .map(
              (a) =>
                `${formatCn(a.cn)}: ${a.inScope ? 'in scope' : 'not in scope'}${a.sector ? ` (${a.sector}${a.goodsCategory ? `, ${a.goodsCategory}` : ''})` : ''}\n  ${a.reason}`,
            )
            .join('\n'),
        );
      });
    });

  const rules = new Command('rules').description(
    'The CBAM rules shipped as data (data/cbam): categories, defaults, factors, thresholds',
  );
  rules
    .command('categories')
    .description(
      'Aggregated goods categories: sector, CN codes, production routes, indirect emissions counted',
    )
    .option('--year <year>', 'calendar year (default: this year)')
    .option('--json', 'JSON output')
    .action(async (o: { year?: string }, cmd: Command) => {
      const year = yearOf(o.year);
      await using(open, async ({ cbam }) => {
        const categories = await cbam.rules.categories(year);
        output(cmd, { year, categories }, () =>
          table(
            ['category', 'sector', 'routes', 'indirect', 'CN codes'],
            categories.map((c) => [
              c.code,
              c.sector,
              c.routes.join(', '),
              c.countsIndirect ? 'yes' : 'no',
              c.cnPrefixes.map(formatCn).join(', '),
            ]),
          ),
        );
      });
    });
  rules
    .command('defaults')
    .description("The Commission's default values with the year's mark-up (t CO2e/t)")
    .option('--year <year>', 'calendar year (default: this year)')
    .option('--country <iso2>', 'one country of origin (with the other-countries fallback)')
    .option('--cn <code>', 'one CN code or prefix')
    .option('--json', 'JSON output')
    .action(async (o: { year?: string; country?: string; cn?: string }, cmd: Command) => {
      const year = yearOf(o.year);
      await using(open, async ({ cbam }) => {
        const defaults = await cbam.rules.defaults(year, { country: o.country, cn: o.cn });
        output(cmd, { year, defaults }, () =>
          table(
            ['country', 'CN', 'direct', 'indirect', 'total', 'mark-up', 'status'],
            defaults.map((d) => [
              d.country,
              formatCn(d.cn),
              d.direct,
              d.indirect,
              d.total,
              d.markup,
              d.status,
            ]),
          ),
        );
      });
    });
  rules
    .command('factors')
    .description('Grid electricity factors (t CO2/MWh) and the benchmarks in force')
    .option('--year <year>', 'calendar year (default: this year)')
    .option('--country <iso2>', 'only this country’s grid factor')
    .option('--json', 'JSON output')
    .action(async (o: { year?: string; country?: string }, cmd: Command) => {
      const year = yearOf(o.year);
      await using(open, async ({ cbam }) => {
        const f = await cbam.rules.factors(year);
        const grid = o.country
          ? f.gridFactors.filter((g) => g.country === o.country!.toUpperCase())
          : f.gridFactors;
        output(cmd, { year, gridFactors: grid, benchmarks: f.benchmarks }, () =>
          [
            table(
              ['country', 't CO2/MWh', 'year'],
              grid.map((g) => [g.country, g.factor, g.year]),
            ),
            '',
            table(
              ['category', 'route', 'benchmark', 't CO2e/t', 'status'],
              f.benchmarks.map((b) => [b.category, b.route ?? '', b.benchmark, b.value, b.status]),
            ),
          ].join('\n'),
        );
      });
    });
  rules
    .command('de-minimis')
    .description('The de-minimis threshold of a year')
    .option('--year <year>', 'calendar year (default: this year)')
    .option('--json', 'JSON output')
    .action(async (o: { year?: string }, cmd: Command) => {
      const year = yearOf(o.year);
      await using(open, async ({ cbam }) => {
        const d = await cbam.rules.deMinimis(year);
        output(cmd, { year, ...d }, () =>
          d.thresholdTonnes === null
            ? `${year}: no de-minimis threshold`
            : `${year}: ${d.thresholdTonnes} t net mass per importer per year; not for ${d.excludedSectors.join(', ')}\n  ${d.source}`,
        );
      });
    });
  rules
    .command('free-allocation')
    .description('The share of free allocation still given to EU producers (CBAM factor), by year')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ cbam }) => {
        const series = await cbam.rules.freeAllocationSeries();
        output(cmd, { series }, () =>
          table(
            ['year', 'share'],
            series.map((s) => [s.year, s.share]),
          ),
        );
      });
    });
  return [scope, rules];
}
