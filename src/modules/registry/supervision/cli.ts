import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { RegistryServices } from '../services.js';
import {
  EXPORTS,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportWhat,
  type InvariantReport,
} from './model.js';

type Open = Opener<{ registry: RegistryServices }>;

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};
const page = (c: Command) =>
  c
    .option('--limit <n>', 'how many (1-500)', int('--limit', 1, 500), 50)
    .option('--offset <n>', 'skip this many', int('--offset', 0, 10_000_000), 0)
    .option('--json', 'JSON output');

export function invariantText(r: InvariantReport): string {
  const lines = [
    `${r.ok ? 'ok' : 'VIOLATED'}: ${r.counts.issuances} issuances, ${r.counts.units} units, ${r.counts.blocks} blocks, ${r.counts.transactions} transactions`,
  ];
  for (const c of r.checks) {
    lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.description}${c.ok ? '' : ` (${c.violations})`}`);
    for (const e of c.examples) lines.push(`         ${e}`);
  }
  return lines.join('\n');
}

/** `greentrade registry explorer|export|statement|check`. */
export function supervisionCommands(open: Open): Command[] {
  const explorer = new Command('explorer').description(
    'The public explorer: projects, issuances, retirements and cancellations (no balances)',
  );
  explorer
    .command('summary')
    .description('Units issued, retired and cancelled per vintage; Article 6 counts per host Party')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const s = await registry.supervision.summary();
        output(cmd, s, () =>
          [
            `registry ${s.registry}: ${s.projects} projects, ${s.issuances} issuances, ${s.retirements} retirements, ${s.cancellations} cancellations`,
            table(
              ['vintage', 'type', 'issued', 'retired', 'cancelled'],
              s.byVintage.map((v) => [v.vintage, v.unitType, v.issued, v.retired, v.cancelled]),
            ),
            ...(s.article6.length
              ? [
                  table(
                    ['host', 'authorisations', 'authorised units', 'adjustments', 'adjusted units'],
                    s.article6.map((a) => [
                      a.hostCountry,
                      a.authorizations,
                      a.authorizedUnits,
                      a.adjustments,
                      a.adjustedUnits,
                    ]),
                  ),
                ]
              : []),
          ].join('\n'),
        );
      });
    });
  page(
    explorer
      .command('projects')
      .description('Public projects')
      .option('--q <text>', 'search code, name, proponent')
      .option('--status <status>', 'submitted, validated, registered, rejected, withdrawn')
      .option('--host-country <cc>', 'ISO alpha-2'),
  ).action(
    async (o: { q?: string; status?: string; hostCountry?: string; limit: number; offset: number }, cmd) => {
      await using(open, async ({ registry }) => {
        const p = await registry.supervision.projects(
          { q: o.q, status: o.status, hostCountry: o.hostCountry },
          { limit: o.limit, offset: o.offset },
        );
        output(
          cmd,
          p,
          () =>
            table(
              ['code', 'name', 'host', 'sector', 'methodology', 'status', 'issued'],
              p.items.map((x) => [
                x.code,
                x.name,
                x.hostCountry,
                x.sector,
                x.methodology,
                x.status,
                x.issued,
              ]),
            ) + `\n${p.items.length} of ${p.total}`,
        );
      });
    },
  );
  explorer
    .command('project')
    .description('One public project with its issuances')
    .argument('<code>', 'the project code')
    .option('--json', 'JSON output')
    .action(async (code: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const p = await registry.supervision.project(code);
        output(cmd, p, () =>
          [
            `${p.code} ${p.name} (${p.hostCountry}, ${p.sector}, ${p.methodology}): ${p.status}, ${p.issued} issued`,
            `crediting periods: ${p.creditingPeriods.map((c) => `${c.starts}/${c.ends}`).join(', ') || '–'}`,
            ...p.documents.map((d) => `document ${d.name}: sha256 ${d.sha256 ?? '–'}`),
            table(
              ['vintage', 'quantity', 'serial', 'ledger entry'],
              p.issuances.map((i) => [i.vintage, i.quantity, i.serial, i.ledger?.index]),
            ),
          ].join('\n'),
        );
      });
    });
  page(
    explorer
      .command('issuances')
      .description('Issuances, newest first')
      .option('--project <code>', 'of one project')
      .option('--vintage <year>', 'of one vintage', int('--vintage', 1990, 2100)),
  ).action(async (o: { project?: string; vintage?: number; limit: number; offset: number }, cmd) => {
    await using(open, async ({ registry }) => {
      const p = await registry.supervision.issuances(
        { project: o.project, vintage: o.vintage },
        { limit: o.limit, offset: o.offset },
      );
      output(
        cmd,
        p,
        () =>
          table(
            ['project', 'vintage', 'quantity', 'serial', 'ledger entry'],
            p.items.map((i) => [i.projectCode, i.vintage, i.quantity, i.serial, i.ledger?.index]),
          ) + `\n${p.items.length} of ${p.total}`,
      );
    });
  });
  page(
    explorer
      .command('retirements')
      .description('Retirements and cancellations, newest first')
      .option('--kind <kind>', 'retirement or cancellation')
      .option('--project <code>', 'of one project')
      .option('--vintage <year>', 'of one vintage', int('--vintage', 1990, 2100))
      .option('--beneficiary <text>', 'beneficiary contains'),
  ).action(
    async (
      o: {
        kind?: string;
        project?: string;
        vintage?: number;
        beneficiary?: string;
        limit: number;
        offset: number;
      },
      cmd,
    ) => {
      if (o.kind !== undefined && o.kind !== 'retirement' && o.kind !== 'cancellation')
        throw new AppError('bad_request', '--kind: retirement or cancellation', { field: 'kind' });
      await using(open, async ({ registry }) => {
        const p = await registry.supervision.retirements(
          {
            kind: o.kind as 'retirement' | 'cancellation' | undefined,
            project: o.project,
            vintage: o.vintage,
            beneficiary: o.beneficiary,
          },
          { limit: o.limit, offset: o.offset },
        );
        output(
          cmd,
          p,
          () =>
            table(
              ['id', 'kind', 'quantity', 'beneficiary', 'purpose', 'date', 'ledger entry'],
              p.items.map((r) => [
                r.id,
                r.kind,
                r.quantity,
                r.beneficiary,
                r.purpose,
                r.createdAt,
                r.ledger?.index,
              ]),
            ) + `\n${p.items.length} of ${p.total}`,
        );
      });
    },
  );
  explorer
    .command('retirement')
    .description('One retirement or cancellation with its serials and ledger proof')
    .argument('<id>', 'the transaction id')
    .option('--json', 'JSON output')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.supervision.retirement(id);
        output(cmd, r, () =>
          [
            `${r.kind} ${r.id}: ${r.quantity} units for ${r.beneficiary ?? '–'} (${r.purpose ?? '–'}), ${r.createdAt}`,
            ...r.ranges.map((g) => `  ${g.serial}  ${g.quantity}  ${g.projectCode} ${g.projectName}`),
            `ledger entry ${r.ledger?.index ?? '–'} leaf ${r.ledger?.leafHash ?? '–'}` +
              (r.proof?.checkpoint ? `, in checkpoint of tree size ${r.proof.checkpoint.treeSize}` : ''),
            `verify: ${r.verificationUrl}`,
          ].join('\n'),
        );
      });
    });

  const exp = new Command('export')
    .description("The regulator's export: accounts, holdings, transactions or projects, as CSV or XLSX")
    .requiredOption('--what <what>', EXPORTS.join(', '))
    .option('--format <format>', EXPORT_FORMATS.join(' or '), 'csv')
    .requiredOption('--out <file>', 'the file to write')
    .option('--json', 'JSON output')
    .action(async (o: { what: string; format: string; out: string }, cmd: Command) => {
      if (!(EXPORTS as readonly string[]).includes(o.what))
        throw new AppError('bad_request', `--what: one of ${EXPORTS.join(', ')}`, { field: 'what' });
      if (!(EXPORT_FORMATS as readonly string[]).includes(o.format))
        throw new AppError('bad_request', `--format: csv or xlsx`, { field: 'format' });
      await using(open, async ({ registry }) => {
        const t = await registry.supervision.exportTable(o.what as ExportWhat, 'system');
        const { writeTable } = await import('./export.js');
        const file = await writeTable(t, o.format as ExportFormat);
        writeFileSync(o.out, file);
        output(
          cmd,
          { file: o.out, rows: t.rows.length, bytes: file.length },
          () => `${o.out}: ${t.rows.length} rows, ${file.length} bytes`,
        );
      });
    });

  const statement = new Command('statement')
    .description('Write the retirement statement (PDF, with its verification link and QR code)')
    .argument('<id>', 'the retirement transaction id')
    .requiredOption('--out <file>', 'the PDF file to write')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { out: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const pdf = await registry.supervision.statement(id);
        writeFileSync(o.out, pdf);
        output(
          cmd,
          { file: o.out, bytes: pdf.length, verificationUrl: registry.supervision.verificationUrl(id) },
          () => `${o.out}: ${pdf.length} bytes; verify at ${registry.supervision.verificationUrl(id)}`,
        );
      });
    });

  const check = new Command('check')
    .description("Check the registry's invariants over the database; exits 1 when one is violated")
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.supervision.invariants('system');
        output(cmd, r, () => invariantText(r));
        if (!r.ok) process.exitCode = 1;
      });
    });

  return [explorer, exp, statement, check];
}
