import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { output, table, using, type Opener } from '../../kernel/cli.js';
import { AppError } from '../../kernel/errors.js';
import { classifyFile } from './classify-file.js';
import { normalizeCode } from './model.js';
import { parseConcordanceCsv } from './reference.js';
import type { ClassificationService } from './service.js';

type Open = Opener<{ classification: ClassificationService }>;
const dateOption = (v: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v)))
    throw new AppError('bad_request', `--as-of: "${v}" is not a date (YYYY-MM-DD)`, { field: 'as-of' });
  return v;
};
const listsOption = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `greentrade classify`: one code, or a CSV file of any size. */
export function classifyCommand(open: Open): Command {
  return new Command('classify')
    .description('Which green-goods lists is a code on? One code, or --file for a CSV of any size')
    .argument('[code]', 'an HS code (2-10 digits; 8541.43 is read as 854143)')
    .option('--file <csv>', 'classify every row of this CSV file')
    .option('--column <name>', 'the column holding the codes', 'hs_code')
    .option('--out <csv>', 'where to write the classified CSV (required with --file)')
    .option('--lists <slugs>', 'only these lists, comma-separated', listsOption)
    .option('--as-of <date>', 'use the list versions in force on this date', dateOption)
    .option('--json', 'JSON output')
    .action(
      async (
        code: string | undefined,
        o: { file?: string; column: string; out?: string; lists?: string[]; asOf?: string },
        cmd: Command,
      ) => {
        if (!code && !o.file)
          throw new AppError('bad_request', 'give a code, or --file with --out', { field: 'code' });
        if (code && o.file)
          throw new AppError('bad_request', 'give a code or --file, not both', { field: 'file' });
        await using(open, async ({ classification }) => {
          if (o.file) {
            if (!o.out) throw new AppError('bad_request', '--out is required with --file', { field: 'out' });
            const lists = await classification.matchers('system', { lists: o.lists, asOf: o.asOf });
            const started = Date.now();
            const result = await classifyFile({ input: o.file, output: o.out, column: o.column, lists });
            const seconds = (Date.now() - started) / 1000;
            output(
              cmd,
              { ...result, out: o.out, seconds },
              () =>
                `${result.rows} rows classified against ${result.lists.join(', ')} in ${seconds.toFixed(1)} s → ${o.out}`,
            );
            return;
          }
          const detail = await classification.getCode(normalizeCode(code!), 'system', o.asOf);
          output(cmd, detail, () =>
            [
              `${detail.input} (${detail.edition} ${detail.code}): ${detail.description}`,
              `section ${detail.section.id} ${detail.section.name}`,
              ...detail.ancestors.map((a) => `  ${a.code}  ${a.description}`),
              '',
              table(
                ['list', 'version', 'status', 'entries'],
                detail.memberships
                  .filter((m) => !o.lists || o.lists.includes(m.list.slug))
                  .map((m) => [
                    m.list.slug,
                    m.version?.number ?? '-',
                    m.status,
                    m.entries
                      .map(
                        (e) =>
                          `${e.rule === 'exclude' ? 'except ' : ''}${e.code}${e.via ? ` (${e.via.fromEdition} ${e.via.fromCode} ${e.via.relation})` : ''}${e.category ? ' ' + e.category : ''}`,
                      )
                      .join('; '),
                  ]),
              ),
            ].join('\n'),
          );
        });
      },
    );
}

/** `greentrade classification ...`: the module's own group. */
export function classificationCli(open: Open): Command {
  const group = new Command('classification')
    .description('HS nomenclature, green-goods lists, concordances')
    .option('--json', 'JSON output');
  group.addCommand(classifyCommand(open));

  group
    .command('search')
    .description('Find HS codes by code prefix or words')
    .argument('<words...>')
    .option('--limit <n>', 'how many', (v) => Number(v), 20)
    .action(async (words: string[], o: { limit: number }, cmd: Command) =>
      using(open, async ({ classification }) => {
        const r = await classification.search(words.join(' '), o.limit);
        output(cmd, r, () =>
          table(
            ['code', 'level', 'description'],
            r.results.map((x) => [x.code, x.level, x.description]),
          ),
        );
      }),
    );

  group
    .command('lists')
    .description('The green-goods lists and their current versions')
    .action(async (_o: unknown, cmd: Command) =>
      using(open, async ({ classification }) => {
        const lists = await classification.lists('system');
        output(cmd, { lists }, () =>
          table(
            ['slug', 'edition', 'version', 'effective', 'owner', 'name'],
            lists.map((l) => [
              l.slug,
              l.hsEdition,
              l.currentVersion?.number,
              l.currentVersion?.effectiveFrom,
              l.owner.name,
              l.name,
            ]),
          ),
        );
      }),
    );

  group
    .command('show')
    .description('A list version with its entries (the current one unless --version or --as-of)')
    .argument('<slug>')
    .option('--version <n>', 'version number', (v) => Number(v))
    .option('--as-of <date>', 'the version in force on this date', dateOption)
    .action(async (slug: string, o: { version?: number; asOf?: string }, cmd: Command) =>
      using(open, async ({ classification }) => {
        const v = o.version
          ? await classification.getVersion(slug, o.version, 'system')
          : await classification.versionAsOfDate(
              slug,
              o.asOf ?? new Date().toISOString().slice(0, 10),
              'system',
            );
        output(cmd, v, () =>
          [
            `${slug} version ${v.version.number}, ${v.version.hsEdition}, effective ${v.version.effectiveFrom}`,
            v.version.changelog,
            '',
            table(
              ['code', 'rule', 'coverage', 'category', 'scope'],
              v.entries.map((e) => [e.code, e.rule, e.coverage, e.category, e.scopeNote]),
            ),
          ].join('\n'),
        );
      }),
    );

  group
    .command('diff')
    .description('What changed between two versions of a list')
    .argument('<slug>')
    .argument('<from>', 'version number', (v) => Number(v))
    .argument('<to>', 'version number', (v) => Number(v))
    .action(async (slug: string, from: number, to: number, _o: unknown, cmd: Command) =>
      using(open, async ({ classification }) => {
        const d = await classification.diff(slug, from, to, 'system');
        output(
          cmd,
          d,
          () =>
            [
              ...d.added.map((e) => `+ ${e.code} ${e.rule} ${e.coverage} ${e.scopeNote}`),
              ...d.removed.map((e) => `- ${e.code} ${e.rule} ${e.coverage} ${e.scopeNote}`),
              ...d.changed.map(
                (c) => `~ ${c.after.code} ${c.before.coverage}→${c.after.coverage} ${c.after.scopeNote}`,
              ),
            ].join('\n') || 'no differences',
        );
      }),
    );

  const concordance = group.command('concordance').description('HS correlation tables between editions');
  concordance
    .command('import')
    .description(
      'Import a correlation table CSV (from_edition,from_code,to_edition,to_code,relation); all rows or none',
    )
    .argument('<csv>')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
      }
      const rows = parseConcordanceCsv(text);
      await using(open, async ({ classification }) => {
        const n = await classification.importConcordance(rows, file);
        output(cmd, { imported: n }, () => `${n} rows imported from ${file}`);
      });
    });
  concordance
    .command('show')
    .description('Where a code of an older edition went')
    .argument('<edition>', 'e.g. HS2012')
    .argument('<code>')
    .action(async (edition: string, code: string, _o: unknown, cmd: Command) =>
      using(open, async ({ classification }) => {
        const to = await classification.concordanceOf(edition, code);
        output(cmd, { from: { edition, code }, to }, () =>
          table(
            ['edition', 'code', 'relation'],
            to.map((t) => [t.edition, t.code, t.relation]),
          ),
        );
      }),
    );
  return group;
}
