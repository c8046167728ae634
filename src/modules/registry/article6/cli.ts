import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { output, readJsonFile, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { RegistryServices } from '../services.js';

type Open = Opener<{ registry: RegistryServices }>;

/** `--range 1001-1500` (repeatable) as serial ranges. */
function ranges(list: string[]): { start: string; end: string }[] {
  if (list.length === 0)
    throw new AppError('bad_request', '--range: name at least one, e.g. 1001-1500', { field: 'ranges' });
  return list.map((r, i) => {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(r.trim());
    if (!m)
      throw new AppError('bad_request', `ranges.${i}: "${r}" is not START-END`, { field: `ranges.${i}` });
    return { start: m[1]!, end: m[2] ?? m[1]! };
  });
}
const collect = (v: string, prev: string[]) => [...prev, v];
const int = (field: string) => (v: string) => {
  if (!/^[0-9]{4}$/.test(v)) throw new AppError('bad_request', `--${field}: a year, e.g. 2026`, { field });
  return Number(v);
};

/** `greentrade registry article6 ...`: Article 6 as the local registry operator. */
export function article6Commands(open: Open): Command[] {
  const a6 = new Command('article6').description(
    'Article 6: cooperative approaches, letters of authorisation, ITMOs, corresponding adjustments, uses, the AEF report',
  );

  a6.command('approaches')
    .description('Cooperative approaches')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const list = await registry.article6.listApproaches();
        output(cmd, { approaches: list }, () =>
          table(
            ['code', 'name', 'parties', 'ledger'],
            list.map((a) => [a.code, a.name, a.parties.join(','), a.ledger.index]),
          ),
        );
      });
    });

  a6.command('approach-create')
    .description('Record a cooperative approach')
    .requiredOption('--code <CA0001>', 'the UNFCCC cooperative approach ID')
    .requiredOption('--name <name>', 'its name')
    .requiredOption('--parties <CN,SG>', 'participating Parties, alpha-2, comma-separated')
    .option('--description <text>', 'a description', '')
    .option('--json', 'JSON output')
    .action(async (o: { code: string; name: string; parties: string; description: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const a = await registry.article6.createApproach(
          {
            code: o.code,
            name: o.name,
            description: o.description,
            parties: o.parties.split(',').map((p) => p.trim()),
          },
          'system',
        );
        output(
          cmd,
          { approach: a },
          () => `cooperative approach ${a.code} recorded (ledger entry ${a.ledger.index})`,
        );
      });
    });

  a6.command('authorizations')
    .description('Letters of authorisation')
    .option('--host <CN>', 'of one host Party')
    .option('--json', 'JSON output')
    .action(async (o: { host?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const list = await registry.article6.listAuthorizations({ host: o.host });
        output(cmd, { authorizations: list }, () =>
          table(
            ['code', 'approach', 'host', 'acquiring', 'uses', 'status', 'ITMOs', 'first transferred'],
            list.map((a) => [
              a.code,
              a.approach.code,
              a.hostParty,
              a.acquiringParty ?? '-',
              a.uses.join('+'),
              a.status,
              a.units.authorized,
              a.units.firstTransferred,
            ]),
          ),
        );
      });
    });

  a6.command('authorize')
    .description('Record a letter of authorisation from a JSON file (docs/registry-article6.md)')
    .argument('<file>', 'the letter (JSON)')
    .option('--json', 'JSON output')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const input = readJsonFile(file, 64 * 1024);
      await using(open, async ({ registry }) => {
        const a = await registry.article6.createAuthorization(input, 'system');
        output(cmd, { authorization: a }, () => `letter ${a.code} recorded (ledger entry ${a.ledger.index})`);
      });
    });

  a6.command('units')
    .description("A letter's ITMO serial ranges")
    .argument('<letter>', 'the letter: code or id')
    .option('--json', 'JSON output')
    .action(async (letter: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const units = await registry.article6.units(letter, 'system');
        output(cmd, { units }, () =>
          table(
            ['serial', 'quantity', 'state', 'first transferred', 'adjustment', 'account'],
            units.map((u) => [
              u.serial,
              u.quantity,
              u.state,
              u.firstTransferred ? 'yes' : 'no',
              u.adjustment,
              u.account,
            ]),
          ),
        );
      });
    });

  a6.command('mark')
    .description('Mark serial ranges as ITMOs under a letter')
    .argument('<letter>', 'the letter: code or id')
    .option('--range <start-end>', 'a serial range (repeatable)', collect, [] as string[])
    .option('--json', 'JSON output')
    .action(async (letter: string, o: { range: string[] }, cmd: Command) => {
      const body = { ranges: ranges(o.range) };
      await using(open, async ({ registry }) => {
        const r = await registry.article6.markUnits(letter, body, 'system');
        output(cmd, r, () =>
          [
            `${r.quantity} units marked as ITMOs under ${r.authorization}${r.firstTransfer ? ' (first transferred now)' : ''}`,
            ...r.ranges.map((x) => `  ${x.serial}`),
          ].join('\n'),
        );
      });
    });

  a6.command('revoke')
    .description('Revoke a letter (refused once any of its units was first transferred)')
    .argument('<letter>', 'the letter: code or id')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'JSON output')
    .action(async (letter: string, o: { reason: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const a = await registry.article6.revoke(letter, { reason: o.reason }, 'system');
        output(cmd, { authorization: a }, () => `letter ${a.code} revoked`);
      });
    });

  a6.command('adjustments')
    .description('Corresponding adjustments per host Party and year')
    .option('--party <CN>', 'one host Party')
    .option('--year <YYYY>', 'one year', int('year'))
    .option('--json', 'JSON output')
    .action(async (o: { party?: string; year?: number }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.article6.adjustments({ party: o.party, year: o.year }, 'system');
        output(cmd, r, () =>
          [
            table(
              ['party', 'year', 'pending', 'completed', 'total'],
              r.summary.map((s) => [s.party, s.year, s.pending, s.completed, s.total]),
            ),
            ...r.notStarted.map(
              (n) => `${n.party}: ${n.quantity} authorised units not first transferred (Not Started)`,
            ),
          ].join('\n'),
        );
      });
    });

  a6.command('adjustments-applied')
    .description("Report a year's pending adjustments of a host Party as applied")
    .requiredOption('--party <CN>', 'the host Party')
    .requiredOption('--year <YYYY>', 'the year', int('year'))
    .requiredOption('--reference <text>', 'where it is reported (e.g. BTR1, table 4)')
    .option('--json', 'JSON output')
    .action(async (o: { party: string; year: number; reference: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.article6.applyAdjustments(o, 'system');
        output(
          cmd,
          r,
          () => `${r.quantity} units of ${r.party} ${r.year} reported as adjusted (${r.reference})`,
        );
      });
    });

  a6.command('uses')
    .description('Uses of ITMOs towards NDCs and cancellations for OIMP')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const list = await registry.article6.listUses('system');
        output(cmd, { uses: list }, () =>
          table(
            ['transaction', 'use', 'party', 'quantity', 'from', 'year', 'at'],
            list.map((u) => [u.transactionId, u.use, u.party, u.quantity, u.fromAccount, u.year, u.at]),
          ),
        );
      });
    });

  a6.command('use')
    .description("Use ITMOs towards a Party's NDC (--use ndc) or cancel them for OIMP (--use oimp)")
    .requiredOption('--use <ndc|oimp>', 'ndc or oimp')
    .requiredOption('--party <SG>', 'the using Party')
    .requiredOption('--from <account>', 'the account holding the ITMOs')
    .option('--range <start-end>', 'a serial range (repeatable)', collect, [] as string[])
    .option('--year <YYYY>', 'the calendar year the ITMOs count for (NDC use)', int('year'))
    .option('--ndc-period <YYYY-YYYY>', 'the NDC period (NDC use)')
    .option('--purpose <text>', 'the OIMP purpose, e.g. CORSIA')
    .option('--entity <text>', 'the using authorised entity')
    .option('--voluntary', 'a voluntary cancellation')
    .option('--idempotency-key <key>', 'makes a retried command safe')
    .option('--json', 'JSON output')
    .action(
      async (
        o: {
          use: string;
          party: string;
          from: string;
          range: string[];
          year?: number;
          ndcPeriod?: string;
          purpose?: string;
          entity?: string;
          voluntary?: boolean;
          idempotencyKey?: string;
        },
        cmd: Command,
      ) => {
        const body = {
          use: o.use,
          party: o.party,
          fromAccount: o.from,
          ranges: ranges(o.range),
          year: o.year ?? null,
          ndcPeriod: o.ndcPeriod ?? null,
          purpose: o.purpose ?? null,
          entity: o.entity ?? null,
          voluntary: o.voluntary ?? false,
        };
        await using(open, async ({ registry }) => {
          const r = await registry.article6.use(body, 'system', o.idempotencyKey);
          output(
            cmd,
            r,
            () =>
              `${r.quantity} ITMOs ${r.use === 'ndc' ? `used towards the NDC of ${r.party}` : 'cancelled for OIMP'} (transaction ${r.transactionId})`,
          );
        });
      },
    );

  a6.command('aef')
    .description("A Party's Agreed Electronic Format report for a year (XLSX with --out, or JSON)")
    .requiredOption('--party <CN>', 'the reporting Party')
    .requiredOption('--year <YYYY>', 'the reported year', int('year'))
    .option('--out <file.xlsx>', 'write the XLSX workbook here')
    .option('--ndc-first-year <YYYY>', 'first year of the NDC period (default 2021)', int('ndc-first-year'))
    .option('--ndc-last-year <YYYY>', 'last year of the NDC period (default 2030)', int('ndc-last-year'))
    .option('--json', 'JSON output')
    .action(
      async (
        o: { party: string; year: number; out?: string; ndcFirstYear?: number; ndcLastYear?: number },
        cmd: Command,
      ) => {
        await using(open, async ({ registry }) => {
          const options = { ndcFirstYear: o.ndcFirstYear, ndcLastYear: o.ndcLastYear };
          if (o.out) {
            const file = await registry.article6.aefXlsx(o.party, o.year, 'system', options);
            writeFileSync(o.out, file);
            output(cmd, { file: o.out, bytes: file.length }, () => `${o.out}: ${file.length} bytes`);
            return;
          }
          const r = await registry.article6.aef(o.party, o.year, 'system', options);
          output(cmd, r, () =>
            [
              `AEF ${r.party} ${r.year}: ${r.authorizations.length} authorisations, ${r.actions.length} actions, ${r.holdings.length} holdings`,
              table(
                ['date', 'action', 'authorization', 'first ID', 'last ID', 't CO2e'],
                r.actions.map((a) => [
                  (a['Action date'] as Date).toISOString().slice(0, 10),
                  a['Action type'] as string,
                  a['Authorization ID'] as string,
                  a['First ID'] as string,
                  a['Last ID'] as string,
                  a['Quantity (t CO2 eq)'] as number,
                ]),
              ),
            ].join('\n'),
          );
        });
      },
    );

  return [a6];
}
