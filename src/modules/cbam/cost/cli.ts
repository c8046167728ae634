import { readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { CbamServices } from '../services.js';
import { parseRates } from './routes.js';

type Open = Opener<{ cbam: CbamServices }>;

const CSV_MAX = 1 << 20;

function readCsv(file: string): string {
  try {
    if (statSync(file).size > CSV_MAX)
      throw new AppError('bad_request', `${file}: larger than 1 MiB`, { field: 'file' });
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
  }
}

const yearOf = (v: string): number => {
  if (!/^\d{4}$/.test(v))
    throw new AppError('bad_request', `--year: "${v}" is not a year`, { field: 'year' });
  return Number(v);
};

/** `greentrade cbam prices import|list`, `greentrade cbam cost [project]`. */
export function costCommands(open: Open): Command[] {
  const prices = new Command('prices').description(
    'EU ETS price series for CBAM certificate cost (per organisation)',
  );
  prices
    .command('import')
    .description(
      'Import a price CSV (periodStart,periodEnd,priceEur,kind): quarterly in 2026, weekly from 2027',
    )
    .argument('<file>', 'the CSV file')
    .requiredOption('--org <slug>', 'the organisation whose series it is')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { org: string }, cmd: Command) => {
      const csv = readCsv(file);
      await using(open, async ({ cbam }) => {
        const r = await cbam.cost.importPrices('system', csv, o.org);
        output(cmd, r, () => `${r.imported} price(s) imported for ${o.org}`);
      });
    });
  prices
    .command('list')
    .description("An organisation's price series")
    .requiredOption('--org <slug>', 'the organisation')
    .option('--year <year>', 'only this year')
    .option('--json', 'JSON output')
    .action(async (o: { org: string; year?: string }, cmd: Command) => {
      await using(open, async ({ cbam }) => {
        const r = await cbam.cost.listPrices(
          'system',
          o.org,
          o.year === undefined ? undefined : yearOf(o.year),
        );
        output(cmd, r, () =>
          table(
            ['from', 'to', 'EUR', 'kind'],
            r.prices.map((p) => [p.periodStart, p.periodEnd, p.priceEur, p.kind]),
          ),
        );
      });
    });

  const cost = new Command('cost')
    .description('Certificates owed for a declaration year and their cost; `cost project` for 2026–2034')
    .option('--year <year>', 'the declaration year')
    .option('--org <slug>', 'the declarant organisation')
    .option(
      '--rate <CUR=rate>',
      'EUR per unit of a currency a carbon price was paid in (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--json', 'JSON output')
    .action(async (o: { year?: string; org?: string; rate?: string[] }, cmd: Command) => {
      if (o.year === undefined || o.org === undefined)
        throw new AppError('bad_request', 'cbam cost needs --year and --org (or the `project` subcommand)', {
          field: o.year === undefined ? 'year' : 'org',
        });
      const year = yearOf(o.year);
      const org = o.org;
      await using(open, async ({ cbam }) => {
        const orgId = await cbam.cost.resolveOrg('system', org);
        const eurRates = parseRates(o.rate?.join(','));
        const r = await cbam.cost.owed('system', orgId, year, eurRates ? { eurRates } : {});
        output(cmd, r, () =>
          [
            r.exempt
              ? `${org} ${year}: exempt — ${r.exemptReason}`
              : table(
                  [
                    'CN',
                    'country',
                    'net t',
                    'embedded t',
                    'share',
                    'benchmark',
                    'adjustment t',
                    'deduction',
                    'certificates',
                    'EUR',
                  ],
                  r.lines.map((l) => [
                    l.cn,
                    l.country,
                    l.netMass,
                    l.embedded,
                    l.freeAllocationShare,
                    l.benchmark ?? '-',
                    l.freeAllocationAdjustment,
                    l.carbonPriceDeduction,
                    l.certificates,
                    l.costEur ?? '-',
                  ]),
                ),
            `certificates: ${r.totals.certificatesExact} exact, ${r.totals.certificatesToSurrender} to surrender`,
            r.price
              ? `price: EUR ${r.price.eurPerCertificate} (${r.price.rule}); cost EUR ${r.totals.costEur}`
              : 'price: none imported for the year',
            `certificates on sale from ${r.timeline.certificatesOnSaleFrom}; declaration and surrender due ${r.timeline.declarationDue}`,
            ...r.notes.map((n) => `note: ${n}`),
          ].join('\n'),
        );
      });
    });

  cost
    .command('project')
    .description('Project a product line year by year to 2034 as free allocation falls to zero')
    .requiredOption('--cn <code>', '8-digit CN code')
    .requiredOption('--country <ISO2>', 'country of origin')
    .requiredOption('--tonnes <t>', 'tonnes a year')
    .requiredOption('--see <t>', 'direct specific embedded emissions, t CO2e per t')
    .option('--see-indirect <t>', 'indirect specific embedded emissions, t CO2e per t')
    .option('--route <route>', 'production route (for the benchmark)')
    .option('--price <eur>', 'EUR per certificate (flat, or the 2026 base with --growth)')
    .option('--growth <rate>', 'yearly price growth, e.g. 0.05 for +5%')
    .option('--carbon-price-paid <eur>', 'carbon price paid in the country of origin, EUR per t CO2e')
    .option('--org <slug>', "price from this organisation's imported series when --price is absent")
    .option('--json', 'JSON output')
    .action(
      async (
        o: {
          cn: string;
          country: string;
          tonnes: string;
          see: string;
          seeIndirect?: string;
          route?: string;
          price?: string;
          growth?: string;
          carbonPricePaid?: string;
          org?: string;
        },
        cmd: Command,
      ) => {
        await using(open, async ({ cbam }) => {
          const r = await cbam.cost.projection('system', {
            cn: o.cn,
            country: o.country,
            tonnesPerYear: o.tonnes,
            seeDirect: o.see,
            ...(o.seeIndirect !== undefined ? { seeIndirect: o.seeIndirect } : {}),
            ...(o.route !== undefined ? { route: o.route } : {}),
            ...(o.price !== undefined ? { priceEur: o.price } : {}),
            ...(o.growth !== undefined ? { priceGrowthPerYear: o.growth } : {}),
            ...(o.carbonPricePaid !== undefined ? { carbonPricePaidEurPerT: o.carbonPricePaid } : {}),
            ...(o.org !== undefined ? { org: o.org } : {}),
          });
          output(cmd, r, () =>
            [
              `CN ${r.cn} from ${r.country}; benchmark ${r.benchmark ? `${r.benchmark.value} t CO2e/t (${r.benchmark.source})` : 'none'}; price ${r.priceBasis}`,
              table(
                [
                  'year',
                  'free share',
                  'embedded t',
                  'adjustment t',
                  'deduction',
                  'certificates',
                  'whole',
                  'EUR/cert',
                  'cost EUR',
                ],
                r.rows.map((x) => [
                  x.year,
                  x.freeAllocationShare,
                  x.embedded,
                  x.benchmarkAdjustment,
                  x.carbonPriceDeduction,
                  x.certificates,
                  x.wholeCertificates,
                  x.priceEur,
                  x.costEur,
                ]),
              ),
              `total 2026–2034: ${r.totals.certificates} certificates, EUR ${r.totals.costEur}`,
              ...r.notes.map((n) => `note: ${n}`),
            ].join('\n'),
          );
        });
      },
    );

  return [prices, cost];
}
