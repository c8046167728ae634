import { Command } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { RegistryServices } from '../services.js';
import { ExportCreate, PeerCreate, PeerUpdate } from './model.js';

type Open = Opener<{ registry: RegistryServices }>;

function parse<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw new AppError('bad_request', `--${field || 'input'}: ${issue?.message ?? 'invalid'}`, { field });
}

const secretFrom = (given: string | undefined): string | undefined =>
  given ?? process.env['REGISTRY_PEER_CLIENT_SECRET'] ?? undefined;

/** `greentrade registry peers|export|exports|reconcile|public-key`. */
export function interopCommands(open: Open): Command[] {
  const peers = new Command('peers').description('Peer registries this registry transfers units with');

  peers
    .command('list', { isDefault: true })
    .description('The peer registries')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      const list = await using(open, ({ registry }) => registry.interop.listPeers('system'));
      output(cmd, list, () =>
        table(
          ['code', 'name', 'url', 'credentials', 'our client for it'],
          list.map((p) => [p.code, p.name, p.baseUrl, p.credentials ? 'yes' : 'no', p.inboundClientId]),
        ),
      );
    });

  peers
    .command('add')
    .description(
      'Register a peer: prints, once, the client id and secret it calls us with (give them to its operator)',
    )
    .requiredOption('--code <code>', "the peer's registry code (e.g. SGR)")
    .requiredOption('--name <name>', 'a name')
    .requiredOption('--url <base>', "the peer's address (its GREENTRADE_PUBLIC_URL)")
    .requiredOption(
      '--public-key <hex>',
      "the peer's Ed25519 public key (GET /api/v1/registry/interop/public-key there)",
    )
    .option('--client-id <id>', 'the API client its operator made for us')
    .option(
      '--client-secret <secret>',
      'its secret (default: REGISTRY_PEER_CLIENT_SECRET, out of the shell history)',
    )
    .option('--json', 'JSON output')
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const secret = o['clientId'] ? secretFrom(o['clientSecret']) : undefined;
      const input = parse(PeerCreate, {
        code: o['code'],
        name: o['name'],
        baseUrl: o['url'],
        publicKey: o['publicKey'],
        ...(o['clientId'] ? { clientId: o['clientId'], clientSecret: secret } : {}),
      });
      const p = await using(open, ({ registry }) => registry.interop.createPeer(input, 'system'));
      output(
        cmd,
        p,
        () =>
          `peer ${p.code} registered. Give its operator these credentials to call us (shown once):\n` +
          `  client_id=${p.inbound.clientId}\n  client_secret=${p.inbound.clientSecret}`,
      );
    });

  peers
    .command('set')
    .description("Change a peer's address, public key or the credentials we call it with")
    .argument('<code>', "the peer's code")
    .option('--name <name>', 'a name')
    .option('--url <base>', "the peer's address")
    .option('--public-key <hex>', "the peer's Ed25519 public key")
    .option('--client-id <id>', 'the API client its operator made for us')
    .option('--client-secret <secret>', 'its secret (default: REGISTRY_PEER_CLIENT_SECRET)')
    .option('--json', 'JSON output')
    .action(async (code: string, o: Record<string, string | undefined>, cmd: Command) => {
      const input = parse(PeerUpdate, {
        ...(o['name'] ? { name: o['name'] } : {}),
        ...(o['url'] ? { baseUrl: o['url'] } : {}),
        ...(o['publicKey'] ? { publicKey: o['publicKey'] } : {}),
        ...(o['clientId'] ? { clientId: o['clientId'], clientSecret: secretFrom(o['clientSecret']) } : {}),
      });
      const p = await using(open, ({ registry }) => registry.interop.updatePeer(code, input, 'system'));
      output(cmd, p, () => `peer ${p.code} updated (credentials: ${p.credentials ? 'yes' : 'no'})`);
    });

  const publicKey = new Command('public-key')
    .description("This registry's code and Ed25519 public key (give them to a peer's operator)")
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      const k = await using(open, async ({ registry }) => registry.interop.publicKey());
      output(cmd, k, () => `${k.registry} ${k.publicKey}`);
    });

  // `registry export` is the supervision part's regulator export (CSV/XLSX): unit exports live under `exports`.
  const exportsCmd = new Command('exports').description('Exports of units to peer registries');
  exportsCmd
    .command('create')
    .description('Export units to an account at a peer registry (pending_export until the peer answers)')
    .requiredOption('--peer <code>', "the peer registry's code")
    .requiredOption('--to-account <number>', 'the account number at the peer')
    .requiredOption('--from-account <number>', 'our account holding the units')
    .option(
      '--range <start-end>',
      'a serial range (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--issuance <id>', 'an issuance (with --quantity: its lowest serials)')
    .option('--block <id>', 'a block (with --quantity: part of it)')
    .option('--quantity <n>', 'how many units')
    .option('--idempotency-key <key>', 'makes a retried command safe')
    .option('--json', 'JSON output')
    .action(async (o: Record<string, string | string[] | undefined>, cmd: Command) => {
      const ranges = (o['range'] as string[]).map((r, i) => {
        const m = /^(\d+)-(\d+)$/.exec(r);
        if (!m)
          throw new AppError('bad_request', `--range ${i + 1}: START-END, whole numbers`, { field: 'range' });
        return { start: m[1]!, end: m[2]! };
      });
      const input = parse(ExportCreate, {
        peer: o['peer'],
        toAccount: o['toAccount'],
        fromAccount: o['fromAccount'],
        ...(ranges.length ? { ranges } : {}),
        ...(o['issuance'] ? { issuanceId: o['issuance'] } : {}),
        ...(o['block'] ? { blockId: o['block'] } : {}),
        ...(o['quantity'] ? { quantity: o['quantity'] } : {}),
      });
      const key = o['idempotencyKey'] as string | undefined;
      const e = await using(open, ({ registry }) => registry.interop.createExport(input, 'system', key));
      output(
        cmd,
        e,
        () =>
          `export ${e.id}: ${e.quantity} units to ${e.peer}/${e.toAccount}: ${e.state}${e.lastError ? ` (${e.lastError})` : ''}`,
      );
      if (e.state === 'reverted') process.exitCode = 1;
    });

  exportsCmd
    .command('list', { isDefault: true })
    .description('Exports to peer registries')
    .option('--state <state>', 'pending, exported or reverted')
    .option('--json', 'JSON output')
    .action(async (o: { state?: string }, cmd: Command) => {
      const list = await using(open, ({ registry }) => registry.interop.listExports('system', o.state));
      output(cmd, list, () =>
        table(
          ['id', 'peer', 'to account', 'quantity', 'state', 'attempts', 'last error'],
          list.map((e) => [e.id, e.peer, e.toAccount, e.quantity, e.state, e.attempts, e.lastError]),
        ),
      );
    });

  const reconcile = new Command('reconcile')
    .description(
      'Ask the peers for the outcome of every pending export and complete them (exit 1 when some stay pending)',
    )
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await using(open, ({ registry }) => registry.interop.reconcile('system'));
      output(
        cmd,
        r,
        () =>
          `checked ${r.checked}: ${r.exported} exported, ${r.reverted} reverted, ${r.pending} still pending` +
          r.errors.map((e) => `\n  ${e.id}: ${e.error}`).join(''),
      );
      if (r.pending > 0) process.exitCode = 1;
    });

  return [peers, publicKey, exportsCmd, reconcile];
}
