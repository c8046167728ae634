import { Command } from 'commander';
import { output, readJsonFile, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { CalculationResult } from '../model.js';
import type { CbamServices } from '../services.js';

type Open = Opener<{ cbam: CbamServices }>;

/** The per-good table: what the importer will read, with the warnings of each good's process. */
export function goodsTable(r: CalculationResult): string {
  const warningsOf = new Map(r.processes.map((p) => [p.process, p.warnings]));
  const lines = [
    `${r.installation.name} (${r.installation.country}), ${r.reportingPeriod.start} to ${r.reportingPeriod.end}: direct emissions ${r.totalDirectEmissions} t CO2e`,
    table(
      ['CN', 'category', 'route', 'SEE direct', 'SEE indirect', 'SEE total', 'source', 'warnings'],
      r.goods.map((g) => [
        g.cn,
        g.goodsCategory,
        g.route ?? '',
        g.seeDirect,
        g.seeIndirect,
        g.seeTotal,
        g.source,
        (warningsOf.get(g.process) ?? []).length || '',
      ]),
    ),
  ];
  const defaults = r.processes.flatMap((p) => p.defaults.map((d) => `  ${p.process}: ${d}`));
  if (defaults.length > 0) lines.push('defaults used:', ...defaults);
  if (r.warnings.length > 0) lines.push('warnings:', ...r.warnings.map((w) => `  ${w}`));
  return lines.join('\n');
}

const year = (v: string): number => {
  if (!/^\d{4}$/.test(v))
    throw new AppError('bad_request', `--year: "${v}" is not a year`, { field: 'year' });
  return Number(v);
};

/** `greentrade cbam installation calc|save|list`. */
export function installationsCommands(open: Open): Command[] {
  const group = new Command('installation').description(
    "An installation's data and its embedded emissions per good (the exporter's side)",
  );
  group
    .command('calc')
    .description(
      'Calculate the specific embedded emissions of the goods in an installation data file (nothing is stored)',
    )
    .argument('<file>', 'installation data, JSON (see docs/cbam-installations.md)')
    .option('--year <year>', "the rules' year (default: the year the reporting period ends in)", year)
    .option('--json', 'JSON output (the whole calculation)')
    .action(async (file: string, o: { year?: number }, cmd: Command) => {
      const input = readJsonFile(file);
      await using(open, async ({ cbam }) => {
        const { result } = await cbam.installations.check(input, o.year);
        output(cmd, result, () => goodsTable(result));
      });
    });
  group
    .command('save')
    .description(
      'Save an installation data file for an organisation (a new installation, or with --id its next version)',
    )
    .argument('<file>', 'installation data, JSON')
    .requiredOption('--org <slug>', 'the owning organisation')
    .option('--id <id>', 'an existing installation: the file becomes its next version')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { org: string; id?: string }, cmd: Command) => {
      const input = readJsonFile(file);
      await using(open, async ({ cbam }) => {
        const s = await cbam.installations.save('system', o.org, input, o.id);
        output(
          cmd,
          { installation: s },
          () => `installation ${s.id} saved: ${s.name} (${s.country}), version ${s.version}`,
        );
      });
    });
  group
    .command('list')
    .description("An organisation's installations (latest versions)")
    .requiredOption('--org <slug>', 'the organisation')
    .option('--json', 'JSON output')
    .action(async (o: { org: string }, cmd: Command) => {
      await using(open, async ({ cbam }) => {
        const list = await cbam.installations.list('system', o.org);
        output(cmd, { installations: list }, () =>
          table(
            ['id', 'name', 'country', 'period', 'version', 'updated'],
            list.map((i) => [
              i.id,
              i.name,
              i.country,
              `${i.reportingPeriod.start}..${i.reportingPeriod.end}`,
              i.version,
              i.updatedAt.slice(0, 19).replace('T', ' '),
            ]),
          ),
        );
      });
    });
  return [group];
}
