import { Command } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import type { RegistryServices } from '../services.js';
import { CERT_STATES, type CertState } from './model.js';
import type { BlockView } from './service.js';

type Open = Opener<{ registry: RegistryServices }>;

const blockTable = (blocks: BlockView[]) =>
  table(
    ['serial', 'quantity', 'state', 'holder', 'expires'],
    blocks.map((b) => [
      b.serial,
      `${b.quantity} ${b.unit}`,
      b.state,
      b.holder.slug,
      b.expiresAt.slice(0, 10),
    ]),
  );

/** Runs a certificate operation as the local operator and prints its answer. */
const act =
  <O extends object>(
    open: Open,
    run: (reg: RegistryServices, o: O) => Promise<unknown>,
    text: (r: never) => string,
  ) =>
  async (o: O, cmd: Command) =>
    using(open, async ({ registry }) => {
      const r = await run(registry, o);
      output(cmd, r, () => text(r as never));
    });

const txText = (r: { kind: string; serial: string; quantity: string; block: BlockView; replayed: boolean }) =>
  `${r.kind}${r.replayed ? ' (replayed: nothing changed)' : ''}: ${r.serial} (${r.quantity} ${r.block.unit}), now ${r.block.state}, held by ${r.block.holder.slug}`;

/** `greentrade registry certificates ...` and `greentrade registry devices ...` (the local operator). */
export function certificatesCommands(open: Open): Command[] {
  const certs = new Command('certificates').description(
    'Energy-attribute certificates (GEC, I-REC, EnergyTag hourly): issue, transfer, cancel, claim, expire',
  );
  certs
    .command('schemes')
    .description('Certificate schemes and their rules')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        async (reg) => ({
          schemes: (await reg.certificates.schemes()).map((s) => ({
            ...s,
            whPerCertificate: s.whPerCertificate.toString(),
          })),
        }),
        (r: {
          schemes: { code: string; unit: string; periodRule: string; validityMonths: number; name: string }[];
        }) =>
          table(
            ['code', 'unit', 'period', 'valid (months)', 'name'],
            r.schemes.map((s) => [s.code, s.unit, s.periodRule, s.validityMonths, s.name]),
          ),
      ),
    );
  certs
    .command('issue')
    .description("Issue certificates for a device's production period (as issuing body)")
    .requiredOption('--scheme <code>', 'GEC, I-REC or EnergyTag')
    .requiredOption('--device <id-or-code>', 'the approved device')
    .requiredOption('--from <instant>', 'period start, ISO 8601 with offset (GEC: 2026-01-01T00:00:00+08:00)')
    .requiredOption('--to <instant>', 'period end (exclusive)')
    .requiredOption('--quantity <n>', 'whole MWh (GEC, I-REC) or Wh (EnergyTag)')
    .option('--emission-factor <g-per-kWh>', 'g CO2e per kWh of the production (default 0)')
    .option('--idempotency-key <key>', 'a retry with the same key changes nothing')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        (
          reg,
          o: {
            scheme: string;
            device: string;
            from: string;
            to: string;
            quantity: string;
            emissionFactor?: string;
            idempotencyKey?: string;
          },
        ) =>
          reg.certificates.issue(
            {
              scheme: o.scheme,
              device: o.device,
              periodStart: o.from,
              periodEnd: o.to,
              quantity: o.quantity,
              ...(o.emissionFactor !== undefined ? { emissionFactor: o.emissionFactor } : {}),
            },
            'system',
            o.idempotencyKey,
          ),
        (r: {
          issuance: { serial: string; quantity: string; unit: string; expiresAt: string };
          replayed: boolean;
        }) =>
          `issued${r.replayed ? ' (replayed: nothing changed)' : ''}: ${r.issuance.serial} (${r.issuance.quantity} ${r.issuance.unit}), expires ${r.issuance.expiresAt}`,
      ),
    );
  certs
    .command('holdings')
    .description('Certificate blocks (of one organisation, or all)')
    .option('--org <slug>', 'the holder')
    .option('--state <state>', CERT_STATES.join(', '))
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        async (reg, o: { org?: string; state?: string }) => ({
          blocks: await reg.certificates.holdings('system', {
            org: o.org,
            state: o.state as CertState | undefined,
          }),
        }),
        (r: { blocks: BlockView[] }) => blockTable(r.blocks),
      ),
    );
  certs
    .command('transfer')
    .description('Transfer a block (or its lowest --quantity certificates) to another organisation')
    .requiredOption('--block <id-or-serial>', 'the block')
    .requiredOption('--to <org>', 'the receiving organisation (slug)')
    .option('--quantity <n>', 'how many (default all)')
    .option('--idempotency-key <key>', 'a retry with the same key changes nothing')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        (reg, o: { block: string; to: string; quantity?: string; idempotencyKey?: string }) =>
          reg.certificates.transfer(
            { block: o.block, to: o.to, ...(o.quantity ? { quantity: o.quantity } : {}) },
            'system',
            o.idempotencyKey,
          ),
        txText,
      ),
    );
  certs
    .command('cancel')
    .description('Cancel certificates for a beneficiary, a consumption period and a purpose (final)')
    .requiredOption('--block <id-or-serial>', 'the block')
    .requiredOption('--from <date>', 'consumption period start (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'consumption period end (YYYY-MM-DD)')
    .requiredOption('--purpose <text>', 'e.g. "Scope 2 market-based, product footprint" or "RE100"')
    .option('--quantity <n>', 'how many (default all)')
    .option('--beneficiary <org>', 'the organisation that may claim them (default the holder)')
    .option('--beneficiary-name <name>', 'the name on the statement')
    .option('--location <text>', 'where the power was consumed')
    .option('--idempotency-key <key>', 'a retry with the same key changes nothing')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        (
          reg,
          o: {
            block: string;
            from: string;
            to: string;
            purpose: string;
            quantity?: string;
            beneficiary?: string;
            beneficiaryName?: string;
            location?: string;
            idempotencyKey?: string;
          },
        ) =>
          reg.certificates.cancel(
            {
              block: o.block,
              consumptionStart: o.from,
              consumptionEnd: o.to,
              purpose: o.purpose,
              ...(o.quantity ? { quantity: o.quantity } : {}),
              ...(o.beneficiary ? { beneficiary: o.beneficiary } : {}),
              ...(o.beneficiaryName ? { beneficiaryName: o.beneficiaryName } : {}),
              ...(o.location ? { location: o.location } : {}),
            },
            'system',
            o.idempotencyKey,
          ),
        (r: Parameters<typeof txText>[0] & { cancellation: { id: string } }) =>
          `${txText(r)}\ncancellation id: ${r.cancellation.id}`,
      ),
    );
  certs
    .command('cancellations')
    .description('Cancellations and their claims')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        async (reg) => ({ cancellations: await reg.certificates.listCancellations('system') }),
        (r: {
          cancellations: {
            id: string;
            serial: string;
            energyKWh: string;
            beneficiaryName: string;
            purpose: string;
            claim: unknown;
          }[];
        }) =>
          table(
            ['id', 'serial', 'kWh', 'beneficiary', 'purpose', 'claimed'],
            r.cancellations.map((c) => [
              c.id,
              c.serial,
              c.energyKWh,
              c.beneficiaryName,
              c.purpose,
              c.claim ? 'yes' : 'no',
            ]),
          ),
      ),
    );
  certs
    .command('claim')
    .description('Claim a cancellation for its beneficiary (once), outside a footprint')
    .requiredOption('--cancellation <id-or-serial>', 'the cancellation')
    .requiredOption('--kwh <amount>', 'kWh used, at most the cancelled energy')
    .option('--reference <text>', 'the report it is used in')
    .option('--idempotency-key <key>', 'a retry with the same key changes nothing')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        (reg, o: { cancellation: string; kwh: string; reference?: string; idempotencyKey?: string }) =>
          reg.certificates.claim(
            {
              cancellation: o.cancellation,
              amountKWh: o.kwh,
              ...(o.reference ? { reference: o.reference } : {}),
            },
            'system',
            o.idempotencyKey,
          ),
        (r: { claim: { serial: string; amountKWh: string }; replayed: boolean }) =>
          `claimed${r.replayed ? ' (replayed)' : ''}: ${r.claim.serial}, ${r.claim.amountKWh} kWh`,
      ),
    );
  certs
    .command('withdraw')
    .description('Withdraw an active block')
    .requiredOption('--block <id-or-serial>', 'the block')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        (reg, o: { block: string; reason: string }) =>
          reg.certificates.withdraw({ block: o.block, reason: o.reason }, 'system'),
        txText,
      ),
    );
  certs
    .command('expire')
    .description("The expiry run: active certificates past their scheme's validity become expired")
    .option('--as-of <instant>', 'expire what is due at this instant (default now)')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        (reg, o: { asOf?: string }) => reg.certificates.expire(o.asOf ? { asOf: o.asOf } : {}, 'system'),
        (r: { asOf: string; expired: { serial: string; quantity: string; unit: string }[]; more: boolean }) =>
          [
            `expired as of ${r.asOf}: ${r.expired.length} block(s)${r.more ? ' (more remain: run again)' : ''}`,
            ...r.expired.map((e) => `  ${e.serial} (${e.quantity} ${e.unit})`),
          ].join('\n'),
      ),
    );

  const devices = new Command('devices').description('Production devices that certificates are issued for');
  devices
    .command('list')
    .description('Devices (of one organisation, or all)')
    .option('--org <slug>', 'the owner')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        async (reg, o: { org?: string }) => ({
          devices: await reg.certificates.listDevices('system', { org: o.org }),
        }),
        (r: {
          devices: {
            code: string;
            name: string;
            energySource: string;
            capacityMW: string;
            status: string;
            org: { slug: string };
          }[];
        }) =>
          table(
            ['code', 'name', 'source', 'MW', 'status', 'owner'],
            r.devices.map((d) => [d.code, d.name, d.energySource, d.capacityMW, d.status, d.org.slug]),
          ),
      ),
    );
  devices
    .command('register')
    .description('Register a device of an organisation (pending the operator approval)')
    .requiredOption('--org <slug>', 'the owner')
    .requiredOption('--name <name>', 'the device name')
    .requiredOption('--source <source>', 'solar, wind, hydro, biomass, geothermal, marine, nuclear, other')
    .requiredOption('--capacity-mw <MW>', 'net capacity, MW')
    .requiredOption('--country <CC>', 'ISO 3166 alpha-2')
    .requiredOption('--zone <zone>', 'grid or market zone')
    .requiredOption('--commissioned <date>', 'YYYY-MM-DD')
    .option('--lat <deg>', 'latitude')
    .option('--lon <deg>', 'longitude')
    .option('--json', 'JSON output')
    .action(
      act(
        open,
        (
          reg,
          o: {
            org: string;
            name: string;
            source: string;
            capacityMw: string;
            country: string;
            zone: string;
            commissioned: string;
            lat?: string;
            lon?: string;
          },
        ) =>
          reg.certificates.registerDevice(
            {
              org: o.org,
              name: o.name,
              energySource: o.source,
              capacityMW: o.capacityMw,
              country: o.country,
              gridZone: o.zone,
              commissioned: o.commissioned,
              ...(o.lat ? { latitude: o.lat } : {}),
              ...(o.lon ? { longitude: o.lon } : {}),
            },
            'system',
          ),
        (d: { code: string; id: string; status: string }) => `device ${d.code} (${d.id}): ${d.status}`,
      ),
    );
  devices
    .command('approve')
    .description('Approve (or, with --reject, reject) a registered device')
    .argument('<device>', 'id or code')
    .option('--reject', 'reject it')
    .option('--reason <text>', 'why (required to reject)')
    .option('--json', 'JSON output')
    .action(async (device: string, o: { reject?: boolean; reason?: string }, cmd: Command) =>
      using(open, async ({ registry }) => {
        const d = await registry.certificates.decideDevice(
          device,
          { approve: !o.reject, ...(o.reason ? { reason: o.reason } : {}) },
          'system',
        );
        output(cmd, d, () => `device ${d.code}: ${d.status}`);
      }),
    );
  return [certs, devices];
}
