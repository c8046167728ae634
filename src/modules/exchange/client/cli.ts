import { Command } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { PactClientService } from './service.js';

type Open = Opener<{ exchange: { client: PactClientService } }>;

const statusText = (c: { status: string; failingSince: string | null; lastError: string | null }) =>
  c.status === 'failing' ? `failing since ${c.failingSince}: ${c.lastError}` : c.status;

/** Sub-commands of `greentrade pact`: the client side (connect, connections, pull, request, pulled). */
export function pactClientCommands(open: Open): Command[] {
  const connect = new Command('connect')
    .description("Connect an organisation to a supplier's PACT host (the secret is stored encrypted)")
    .requiredOption('--org <slug>', 'the organisation that connects (owns the connection)')
    .requiredOption('--name <name>', 'a name for the supplier')
    .requiredOption('--url <base>', "the supplier's PACT base URL (e.g. https://host/pact)")
    .requiredOption('--client-id <id>', 'client id the supplier gave')
    .option(
      '--client-secret <secret>',
      'client secret the supplier gave (default: the environment variable PACT_CLIENT_SECRET, kept out of the shell history)',
    )
    .option('--spec <major>', 'PACT version of the host: 3 (default) or 2', '3')
    .option('--json', 'JSON output')
    .action(async (o: Record<string, string>, cmd: Command) => {
      const secret = o['clientSecret'] ?? process.env['PACT_CLIENT_SECRET'];
      if (!secret)
        throw new AppError('bad_request', '--client-secret: give it, or set PACT_CLIENT_SECRET', {
          field: 'clientSecret',
        });
      if (o['spec'] !== '2' && o['spec'] !== '3')
        throw new AppError('bad_request', '--spec: 2 or 3', { field: 'spec' });
      const c = await using(open, ({ exchange }) =>
        exchange.client.createConnection(
          {
            org: o['org'],
            name: o['name']!,
            baseUrl: o['url']!,
            clientId: o['clientId']!,
            clientSecret: secret,
            specVersion: o['spec'] === '2' ? 2 : 3,
          },
          'system',
        ),
      );
      output(cmd, c, () => `connection ${c.id} (${c.name}, ${c.baseUrl})`);
    });

  const connections = new Command('connections')
    .description('Connections to suppliers, with their status')
    .option('--org <slug>', 'only this organisation')
    .option('--json', 'JSON output')
    .action(async (o: { org?: string }, cmd: Command) => {
      const list = await using(open, ({ exchange }) => exchange.client.listConnections('system', o.org));
      output(cmd, list, () =>
        table(
          ['id', 'name', 'url', 'footprints', 'last pulled', 'status'],
          list.map((c) => [c.id, c.name, c.baseUrl, c.footprints, c.lastPulledAt, statusText(c)]),
        ),
      );
    });

  const pull = new Command('pull')
    .description("Pull every footprint the supplier shares (exit 1 when the supplier's host fails)")
    .argument('<connection>', 'connection id')
    .option('--footprint <pfId>', 'only this footprint (GetFootprint)')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { footprint?: string }, cmd: Command) => {
      if (o.footprint !== undefined) {
        const pfId = o.footprint;
        const f = await using(open, ({ exchange }) => exchange.client.pullOne(id, pfId, 'system'));
        if (!f)
          throw new AppError('not_found', `--footprint: the supplier has no footprint ${pfId} for us`, {
            field: 'footprint',
          });
        output(
          cmd,
          f,
          () =>
            `pulled ${f.pfId} (${f.productName}, ${f.pcfExcludingBiogenic} kg CO2e per ${f.declaredAmount} ${f.declaredUnit})`,
        );
        return;
      }
      const r = await using(open, ({ exchange }) => exchange.client.pull(id, 'system'));
      output(cmd, r, () =>
        r.ok
          ? [
              `pulled ${r.pulled} footprint(s)`,
              ...r.rejected.map((x) => `refused data.${x.index} (${x.pfId ?? 'no id'}): ${x.error}`),
            ].join('\n')
          : `pull failed: ${r.error}`,
      );
      if (!r.ok) process.exitCode = 1;
    });

  const request = new Command('request')
    .description('Ask the supplier for a footprint it has not shared (a PACT RequestCreated event)')
    .argument('<connection>', 'connection id')
    .requiredOption('--product-id <urn...>', 'product id(s), URNs')
    .option('--comment <text>', 'a note for the supplier')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { productId: string[]; comment?: string }, cmd: Command) => {
      for (const p of o.productId)
        if (!/^urn:\S+$/i.test(p))
          throw new AppError('bad_request', `--product-id: ${p} is not a URN`, { field: 'productId' });
      const r = await using(open, ({ exchange }) =>
        exchange.client.requestFootprint(id, { productIds: o.productId, comment: o.comment }, 'system'),
      );
      output(cmd, r, () =>
        r.status === 'sent' ? `request ${r.id} sent` : `request ${r.id} failed: ${r.error}`,
      );
      if (r.status !== 'sent') process.exitCode = 1;
    });

  const pulled = new Command('pulled')
    .description('Footprints pulled from suppliers')
    .option('--connection <id>', 'only this connection')
    .option('--org <slug>', 'only this organisation')
    .option('--json', 'JSON output')
    .action(async (o: { connection?: string; org?: string }, cmd: Command) => {
      const list = await using(open, ({ exchange }) =>
        exchange.client.listPulled('system', { connectionId: o.connection, org: o.org }),
      );
      output(cmd, list, () =>
        table(
          ['id', 'supplier', 'product', 'pCF (kg CO2e)', 'per', 'version', 'status'],
          list.map((f) => [
            f.pfId,
            f.companyName,
            f.productName,
            f.pcfExcludingBiogenic,
            `${f.declaredAmount} ${f.declaredUnit}`,
            f.version ?? f.created,
            f.status,
          ]),
        ),
      );
    });

  return [connect, connections, pull, request, pulled];
}
