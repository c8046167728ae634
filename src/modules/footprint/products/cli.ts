import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { output, readJsonFile, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import { parseProductModel } from './model.js';
import { fmt } from './format.js';
import type { FootprintResult } from './result.js';
import { operatorFor, type ProductService, type Viewer } from './service.js';
import * as store from './store.js';

type Open = Opener<{ footprint: { products: ProductService } }>;

/** The local operator, or acting for one organisation (`--org`): then that organisation's own factors count too. */
async function viewerFor(svc: ProductService, org: string | undefined): Promise<Viewer> {
  if (org === undefined) return 'system';
  const id = await store.orgIdBySlug(svc.db, org);
  if (!id) throw new AppError('bad_request', `--org: no organisation "${org}"`, { field: 'org' });
  return operatorFor(id);
}

/** The result as text: the headline, then each breakdown as a table. */
export function resultText(r: FootprintResult): string {
  const u = `kg CO2e per ${r.perUnit}`;
  const lines = [
    `${r.product.name}: ${fmt(r.total)} ${u} (${r.product.boundary}; excluding biogenic CO2; electricity market-based)`,
    `  including biogenic: ${fmt(r.pcfIncludingBiogenic)}   location-based electricity: ${fmt(r.totalLocationBased)}`,
    `  fossil: ${fmt(r.fossil)}   dLUC: ${fmt(r.luc)}   aircraft: ${fmt(r.aircraft)}   biogenic emissions: ${fmt(r.biogenicEmissions)}   removals: ${fmt(r.biogenicRemovals)}`,
    `  primary data share: ${r.primaryDataShare === null ? '–' : fmt(r.primaryDataShare, 1) + ' %'}   exempted: ${fmt(r.exemptions.totalPercent, 2)} %   GWP: ${r.characterisation.gwpSets.join(', ') || '–'}`,
    '',
    table(
      ['stage', u, '%'],
      r.byStage.map((s) => [s.stage, fmt(s.emissions), fmt(s.sharePercent, 1)]),
    ),
    '',
    table(
      ['input', 'amount', 'factor', u, '%'],
      r.byInput.map((l) => [
        `${l.path} ${l.name}`,
        `${fmt(l.amount)} ${l.unit}`,
        l.basis === 'supplier' ? 'supplier PCF' : (l.factorKey ?? (l.basis === 'process' ? 'direct' : '')),
        fmt(l.emissions),
        fmt(l.sharePercent, 1),
      ]),
    ),
    '',
    table(
      ['gas', u, '%'],
      r.byGas.map((g) => [
        g.gas === 'unsplit' ? 'CO2e (not split)' : g.gas,
        fmt(g.emissions),
        fmt(g.sharePercent, 1),
      ]),
    ),
  ];
  if (r.electricity.lines.length > 0)
    lines.push(
      '',
      table(
        ['electricity', 'kWh', 'covered kWh', 'location-based', 'market-based'],
        r.electricity.lines.map((e) => [
          `${e.path} ${e.name}`,
          fmt(e.kWh),
          fmt(e.coveredKWh),
          fmt(e.locationBased),
          fmt(e.marketBased),
        ]),
      ),
    );
  for (const x of r.excluded) lines.push(`excluded: ${x.path} ${x.name}: ${x.reason}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** `greentrade footprint calc|products|record|report|recompute`. */
export function productCommands(open: Open): Command[] {
  const calc = new Command('calc')
    .description(
      'Calculate the footprint of a product model (JSON file, docs/footprint-products.md); nothing is saved',
    )
    .argument('<file>', 'the product model, e.g. examples/footprint/product.json')
    .option('--org <slug>', 'act for this organisation (its own factor releases count)')
    .option('--json', 'the full result as JSON')
    .action(async (file: string, o: { org?: string }, cmd: Command) => {
      // Parsed before the database is opened: a bad model fails fast, naming the field.
      const input = parseProductModel(readJsonFile(file));
      await using(open, async ({ footprint }) => {
        const { result } = await footprint.products.calculate(
          input,
          await viewerFor(footprint.products, o.org),
        );
        output(cmd, result, () => resultText(result));
      });
    });

  const products = new Command('products').description('Product models and their recorded footprints');
  products
    .command('list')
    .description("An organisation's product models")
    .requiredOption('--org <slug>', 'the organisation')
    .option('--json', 'JSON output')
    .action(async (o: { org: string }, cmd: Command) => {
      await using(open, async ({ footprint }) => {
        const list = await footprint.products.listProducts('system', o.org);
        output(cmd, { products: list }, () =>
          table(
            ['id', 'name', 'version', 'footprints', 'updated'],
            list.map((p) => [p.id, p.name, p.version, p.footprints, p.updatedAt]),
          ),
        );
      });
    });
  products
    .command('show')
    .description('A product model and its recorded footprints')
    .argument('<id>', 'the product id')
    .option('--json', 'JSON output')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ footprint }) => {
        const p = await footprint.products.getProduct(id, 'system');
        output(cmd, { product: p }, () =>
          [
            `${p.name} (${p.org.slug}, version ${p.version})`,
            table(
              ['footprint', 'version', 'total', 'ledger entry', 'recorded'],
              p.history.map((f) => [f.id, f.productVersion, fmt(f.total), f.ledger.index, f.createdAt]),
            ),
          ].join('\n'),
        );
      });
    });
  products
    .command('create')
    .description('Save a product model for an organisation')
    .argument('<file>', 'the product model (JSON)')
    .requiredOption('--org <slug>', 'the owning organisation')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { org: string }, cmd: Command) => {
      const model = readJsonFile(file);
      await using(open, async ({ footprint }) => {
        const p = await footprint.products.createProduct({ org: o.org, model }, 'system');
        output(cmd, { product: p }, () => `product ${p.id} saved (${p.name})`);
      });
    });

  const record = new Command('record')
    .description("Calculate a product's current model and record the footprint in the ledger")
    .argument('<product-id>', 'the product id')
    .option('--json', 'JSON output')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ footprint }) => {
        const f = await footprint.products.recordFootprint(id, 'system');
        output(
          cmd,
          f,
          () =>
            `footprint ${f.id}: ${fmt(f.total)} kg CO2e per ${f.result.perUnit}, ledger entry ${f.ledger.index}, result SHA-256 ${f.resultSha256}`,
        );
      });
    });

  const report = new Command('report')
    .description('Write a recorded footprint as a PDF report')
    .argument('<footprint-id>', 'the footprint id')
    .requiredOption('--out <file>', 'the PDF file to write')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { out: string }, cmd: Command) => {
      await using(open, async ({ footprint }) => {
        const pdf = await footprint.products.report(id, 'system');
        writeFileSync(o.out, pdf);
        output(cmd, { file: o.out, bytes: pdf.length }, () => `${o.out}: ${pdf.length} bytes`);
      });
    });

  const recompute = new Command('recompute')
    .description(
      'Recalculate a recorded footprint from its recorded model and factors; exits 1 if it differs',
    )
    .argument('<footprint-id>', 'the footprint id')
    .option('--json', 'JSON output')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ footprint }) => {
        const r = await footprint.products.recompute(id, 'system');
        const { result: _result, ...summary } = r;
        output(cmd, summary, () =>
          r.identical
            ? `identical: result SHA-256 ${r.resultSha256}`
            : `DIFFERENT: recorded ${r.resultSha256}, recomputed ${r.recomputedSha256}`,
        );
        if (!r.identical) process.exitCode = 1;
      });
    });

  return [calc, products, record, report, recompute];
}
