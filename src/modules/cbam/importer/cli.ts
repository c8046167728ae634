import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { CbamServices } from '../services.js';
import { MAX_SUPPLIER_FILE_BYTES, type ImportedFile } from './service.js';
import { MAX_SHIPMENT_BYTES } from './shipments.js';

type Open = Opener<{ cbam: CbamServices }>;

/** A file named on the command line, refused by its size before it is read. */
function readBytes(file: string, maxBytes: number): Buffer {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
  }
  if (size > maxBytes)
    throw new AppError('payload_too_large', `${file}: larger than ${maxBytes / 1024 / 1024} MiB`, {
      field: 'file',
    });
  return readFileSync(file);
}

const yearOption = (v: string) => {
  const y = Number(v);
  if (!Number.isInteger(y))
    throw new AppError('bad_request', `--year: ${v} is not a year`, { field: 'year' });
  return y;
};

/** `greentrade cbam import FILE...`, `cbam shipments import FILE.csv`, `cbam declare`. */
export function importerCommands(open: Open): Command[] {
  const importCmd = new Command('import')
    .description("Import suppliers' communication files (JSON or XLSX) for an EU importer")
    .argument('<files...>', 'communication files (.json or .xlsx)')
    .requiredOption('--org <slug>', 'the importer organisation')
    .option('--json', 'JSON output')
    .action(async (files: string[], o: { org: string }, cmd: Command) => {
      await using(open, async ({ cbam }) => {
        const done: ({ file: string } & ImportedFile)[] = [];
        for (const f of files)
          done.push({
            file: f,
            ...(await cbam.importer.importSupplierFile(
              'system',
              o.org,
              readBytes(f, MAX_SUPPLIER_FILE_BYTES),
              basename(f),
            )),
          });
        output(cmd, { imported: done }, () =>
          done
            .map(
              (d) =>
                `${d.file}: ${d.installation} version ${d.version} (${d.id})${d.warnings.map((w) => `\n  warning: ${w}`).join('')}`,
            )
            .join('\n'),
        );
      });
    });

  const shipments = new Command('shipments').description("An EU importer's shipments of CBAM goods");
  shipments
    .command('import')
    .description(
      'Import shipments from a CSV (reference,importDate,cn,countryOfOrigin,netMass,unit,installation); all or none',
    )
    .argument('<file>', 'the CSV file')
    .requiredOption('--org <slug>', 'the importer organisation')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { org: string }, cmd: Command) => {
      await using(open, async ({ cbam }) => {
        const r = await cbam.importer.importShipments(
          'system',
          o.org,
          readBytes(file, MAX_SHIPMENT_BYTES).toString('utf8'),
        );
        output(cmd, r, () => `${r.imported} shipments imported`);
      });
    });

  const declare = new Command('declare')
    .description('The annual CBAM declaration of an importer: per CN code and country, de minimis applied')
    .requiredOption('--year <year>', 'the year declared', yearOption)
    .requiredOption('--org <slug>', 'the importer organisation')
    .option('--xml <file>', 'also write the declaration as XML to this file')
    .option('--json', 'JSON output')
    .action(async (o: { year: number; org: string; xml?: string }, cmd: Command) => {
      await using(open, async ({ cbam }) => {
        const d = await cbam.importer.declaration('system', o.org, o.year);
        if (o.xml) writeFileSync(o.xml, await cbam.importer.declarationXml('system', o.org, o.year));
        output(cmd, d, () =>
          [
            `CBAM declaration ${d.year} of ${d.declarant.name} (${d.declarant.slug}), due ${d.dueDate}`,
            `de minimis: ${d.deMinimis.explanation}`,
            table(
              [
                'CN',
                'country',
                'sector',
                'net mass',
                'direct',
                'indirect',
                'total t CO2e',
                'default share',
                'shipments',
              ],
              d.lines.map((l) => [
                l.cn,
                l.country,
                l.sector,
                `${l.netMass} ${l.unit}`,
                l.direct,
                l.indirect,
                l.total,
                l.defaultShare,
                l.shipments,
              ]),
            ),
            `totals: ${d.totals.netMass} t, direct ${d.totals.direct}, indirect ${d.totals.indirect}, total ${d.totals.total} t CO2e`,
            ...d.warnings.map((w) => `warning: ${w}`),
            ...(o.xml ? [`XML written to ${o.xml}`] : []),
          ].join('\n'),
        );
      });
    });
  return [importCmd, shipments, declare];
}
