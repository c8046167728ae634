import { Command } from 'commander';
import type { Principal } from '../../../kernel/access.js';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { RegistryServices } from '../services.js';
import { retirementLinks, type MoveAnswer, type UnitsInput, type UnitService } from './operations.js';
import type { Viewer } from './service.js';
import * as store from './store.js';

type Open = Opener<{ registry: RegistryServices }>;

/** The local operator, or acting as an admin of one organisation (`--org`), as the footprint CLI does. */
async function viewerFor(svc: UnitService, org: string | undefined): Promise<Viewer> {
  if (org === undefined) return 'system';
  const id = await store.orgIdBySlug(svc.db, org);
  if (!id) throw new AppError('bad_request', `--org: no organisation "${org}"`, { field: 'org' });
  const p: Principal = {
    kind: 'user',
    id: 'system',
    name: 'local operator',
    memberships: [{ orgId: id, role: 'admin' }],
  };
  return p;
}

interface UnitOpts {
  serial?: string[];
  issuance?: string;
  block?: string;
  quantity?: string;
  idempotencyKey?: string;
  org?: string;
}

const unitsOf = (o: UnitOpts): UnitsInput => ({
  ...(o.serial ? { serials: o.serial } : {}),
  ...(o.issuance ? { issuanceId: o.issuance } : {}),
  ...(o.block ? { blockId: o.block } : {}),
  ...(o.quantity !== undefined ? { quantity: o.quantity } : {}),
});

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** The options every command that moves units takes. */
const moving = (c: Command): Command =>
  c
    .requiredOption('--from <account>', 'the account the units leave (e.g. GTR-100-000001)')
    .option('--serial <serial>', 'a serial range, e.g. GTR-CN-VER-P0001-2024-1001-1500 (repeatable)', collect)
    .option('--issuance <id>', 'an issuance: its lowest serials in the account (with --quantity)')
    .option('--block <id>', 'a block: its lowest serials (all, or --quantity)')
    .option('--quantity <n>', 'how many units')
    .option('--idempotency-key <key>', 'makes a retried command safe: the same key answers the first result')
    .option('--org <slug>', 'act as an admin of this organisation (default: the local operator)')
    .option('--json', 'JSON output');

const moveText = (r: MoveAnswer) =>
  [
    `${r.replayed ? '(replayed) ' : ''}${r.kind} ${r.transactionId}: ${r.quantity} units ${r.from} → ${r.to}, ledger entry ${r.ledger.index}`,
    ...r.ranges.map((x) => `  ${x.serial}`),
  ].join('\n');

/** `greentrade registry accounts|transfer|retire|cancel|buffer|history|transactions`. */
export function unitCommands(open: Open): Command[] {
  const accounts = new Command('accounts').description(
    'Registry accounts: holding, retirement, cancellation, buffer',
  );
  accounts
    .command('list')
    .description('Accounts (all, or one organisation’s)')
    .option('--org <slug>', 'only this organisation’s accounts')
    .option('--json', 'JSON output')
    .action(async (o: { org?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const list = await registry.units.listAccounts('system', { org: o.org });
        output(cmd, { accounts: list }, () =>
          table(
            ['number', 'kind', 'national', 'organisation', 'name'],
            list.map((a) => [a.number, a.kind, a.national ? 'yes' : '', a.org.slug, a.name]),
          ),
        );
      });
    });
  accounts
    .command('create')
    .description('Open an account for an organisation')
    .requiredOption('--org <slug>', 'the organisation')
    .requiredOption('--kind <kind>', 'holding, retirement, cancellation or buffer')
    .requiredOption('--name <name>', 'the account name')
    .option('--national', 'a national account (the registry operator’s organisation)')
    .option('--json', 'JSON output')
    .action(async (o: { org: string; kind: string; name: string; national?: boolean }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const a = await registry.units.createAccount('system', o);
        output(cmd, { account: a }, () => `account ${a.number} opened (${a.kind}, ${a.org.slug})`);
      });
    });
  accounts
    .command('show')
    .description('An account and its holdings')
    .argument('<number>', 'the account number')
    .option('--json', 'JSON output')
    .action(async (number: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const a = await registry.units.getAccount('system', number);
        output(cmd, a, () =>
          [
            `${a.number} ${a.kind}${a.national ? ' (national)' : ''} of ${a.org.slug}: ${a.name}`,
            table(
              ['serial', 'units', 'state', 'authorised'],
              a.holdings.flatMap((h) =>
                h.blocks.map((b) => [b.serial, b.quantity, b.state, b.authorizationId ? 'yes' : '']),
              ),
            ),
          ].join('\n'),
        );
      });
    });

  const transfer = moving(new Command('transfer').description('Transfer units to another holding account'))
    .requiredOption('--to <account>', 'the receiving holding account')
    .option('--memo <text>', 'a note kept with the transaction')
    .action(async (o: UnitOpts & { from: string; to: string; memo?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.units.transfer(await viewerFor(registry.units, o.org), {
          from: o.from,
          to: o.to,
          units: unitsOf(o),
          idempotencyKey: o.idempotencyKey,
          memo: o.memo,
        });
        output(cmd, r, () => moveText(r));
      });
    });

  const retire = moving(
    new Command('retire').description('Retire units for a beneficiary, purpose and claim period'),
  )
    .requiredOption('--beneficiary <name>', 'on whose behalf')
    .requiredOption('--purpose <text>', 'what the retirement is for')
    .requiredOption('--claim-start <date>', 'claim period start, YYYY-MM-DD')
    .requiredOption('--claim-end <date>', 'claim period end, YYYY-MM-DD')
    .option('--obligation <reference>', 'a compliance obligation this retirement counts towards')
    .action(
      async (
        o: UnitOpts & {
          from: string;
          beneficiary: string;
          purpose: string;
          claimStart: string;
          claimEnd: string;
          obligation?: string;
        },
        cmd: Command,
      ) => {
        await using(open, async ({ registry }) => {
          const r = await registry.units.retire(await viewerFor(registry.units, o.org), {
            from: o.from,
            units: unitsOf(o),
            idempotencyKey: o.idempotencyKey,
            beneficiary: o.beneficiary,
            purpose: o.purpose,
            claimPeriod: { start: o.claimStart, end: o.claimEnd },
            obligationReference: o.obligation,
          });
          const full = { ...r, ...retirementLinks(registry.context.publicUrl, r.retirementId) };
          output(
            cmd,
            full,
            () => `${moveText(r)}\nstatement: ${full.statementUrl}\nverify: ${full.verifyUrl}`,
          );
        });
      },
    );

  const cancel = moving(
    new Command('cancel').description("Cancel units (into the organisation's cancellation account)"),
  )
    .option('--reason <text>', 'why')
    .action(async (o: UnitOpts & { from: string; reason?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.units.cancel(await viewerFor(registry.units, o.org), {
          from: o.from,
          units: unitsOf(o),
          idempotencyKey: o.idempotencyKey,
          reason: o.reason,
        });
        output(cmd, r, () => moveText(r));
      });
    });

  const buffer = moving(
    new Command('buffer').description("Contribute units to the registry's national buffer account"),
  )
    .option('--reason <text>', 'why')
    .action(async (o: UnitOpts & { from: string; reason?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.units.bufferContribution(await viewerFor(registry.units, o.org), {
          from: o.from,
          units: unitsOf(o),
          idempotencyKey: o.idempotencyKey,
          reason: o.reason,
        });
        output(cmd, r, () => moveText(r));
      });
    });

  const history = new Command('history')
    .description('Every transaction that moved a serial range, oldest first, and where its units are now')
    .argument('<serial>', 'e.g. GTR-CN-VER-P0001-2024-1001-1001 (one unit) or a range')
    .option('--json', 'JSON output')
    .action(async (serial: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const h = await registry.units.history('system', serial);
        output(cmd, h, () =>
          [
            table(
              ['time', 'kind', 'from', 'to', 'units', 'ledger', 'transaction'],
              h.transactions.map((t) => [
                t.createdAt,
                t.kind,
                t.from,
                t.to,
                t.quantity,
                t.ledger?.index,
                t.id,
              ]),
            ),
            'now:',
            ...h.current.map((c) => `  ${c.serial}  ${c.state}  ${c.account ?? ''}`),
          ].join('\n'),
        );
      });
    });

  const transactions = new Command('transactions')
    .description('Registry transactions, newest first')
    .option('--account <number>', 'only this account’s')
    .option('--kind <kind>', 'only this kind (transfer, retirement...)')
    .option('--since <date>', 'from this date or time')
    .option('--until <date>', 'before this date or time')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', 'JSON output')
    .action(
      async (
        o: { account?: string; kind?: string; since?: string; until?: string; limit?: string },
        cmd: Command,
      ) => {
        await using(open, async ({ registry }) => {
          const r = await registry.units.listTransactions('system', {
            account: o.account,
            kind: o.kind,
            since: o.since,
            until: o.until,
            limit: o.limit === undefined ? undefined : Number(o.limit),
          });
          output(cmd, r, () =>
            table(
              ['time', 'kind', 'from', 'to', 'units', 'ledger', 'transaction'],
              r.transactions.map((t) => [
                t.createdAt,
                t.kind,
                t.from,
                t.to,
                t.quantity,
                t.ledger?.index,
                t.id,
              ]),
            ),
          );
        });
      },
    );

  return [accounts, transfer, retire, cancel, buffer, history, transactions];
}
