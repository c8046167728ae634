import { Command } from 'commander';
import { output, readJsonFile, table, using, type Opener } from '../../kernel/cli.js';
import { AppError } from '../../kernel/errors.js';
import type { PactHostService } from './service.js';

type Open = Opener<{ exchange: { host: PactHostService } }>;

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * `greentrade pact ...` (host side): client credentials for a data recipient, publishing,
 * deprecating, agreements, the access log and footprint requests. The CLI is the local
 * operator: it acts for the organisation named with --org.
 */
export function pactHostCommands(open: Open): Command[] {
  const client = new Command('client')
    .description('PACT data recipients: client credentials')
    .option('--json', 'JSON output');
  client
    .command('create')
    .description('Make an API client for a data recipient with whom ORG shares all its published footprints')
    .requiredOption('--org <slug>', 'the data owner')
    .option('--recipient <slug>', 'the recipient organisation (made when missing; default a new one)')
    .option('--id <clientId>', 'the client id (default generated)')
    .action(async (o: { org: string; recipient?: string; id?: string }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const r = await exchange.host.createRecipientClient({
          org: o.org,
          recipient: o.recipient,
          clientId: o.id,
        });
        output(
          cmd,
          r,
          () =>
            `client_id ${r.client_id}\nclient_secret ${r.client_secret}   (shown once)\nrecipient ${r.recipient.slug}; ${o.org} shares all its published footprints with it.\nToken: POST /pact/auth/token (HTTP Basic), footprints: GET /pact/3/footprints`,
        );
      }),
    );

  const publish = new Command('publish')
    .description('Publish a recorded footprint over PACT (v3, and v2.3 where it can be expressed)')
    .argument('<footprintId>')
    .option('--to <org>', 'share with this organisation (repeatable)', collect)
    .option('--mass <kg>', 'kg of product per declared unit (needed for per-piece, per-liter… footprints)')
    .option('--classification <urn>', 'product classification URN (repeatable)', collect)
    .option('--product-id <urn>', 'an extra product id URN, e.g. urn:gtin:… (repeatable)', collect)
    .option('--options <file>', 'JSON file with any publish option (docs/pact.md)')
    .option('--json', 'JSON output')
    .action(
      async (
        footprintId: string,
        o: {
          to?: string[];
          mass?: string;
          classification?: string[];
          productId?: string[];
          options?: string;
        },
        cmd: Command,
      ) =>
        using(open, async ({ exchange }) => {
          const fromFile = o.options ? readJsonFile(o.options) : {};
          if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))
            throw new AppError('bad_request', '--options: a JSON object', { field: 'options' });
          const opts = {
            ...(fromFile as Record<string, unknown>),
            ...(o.to ? { to: o.to } : {}),
            ...(o.mass ? { productMassPerDeclaredUnit: o.mass } : {}),
            ...(o.classification ? { classifications: o.classification } : {}),
            ...(o.productId ? { productIds: o.productId } : {}),
          };
          const p = await exchange.host.publish(footprintId, opts, 'system');
          output(
            cmd,
            p,
            () =>
              `published ${p.id} (${p.productName}, ${p.pcfExcludingBiogenicUptake} kg CO2e per ${p.declaredUnit})${p.precedingPfIds.length ? `; preceded by ${p.precedingPfIds.join(', ')}` : ''}`,
          );
        }),
    );

  const publications = new Command('publications')
    .description("An organisation's PACT publications")
    .requiredOption('--org <slug>')
    .option('--json', 'JSON output')
    .action(async (o: { org: string }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const list = await exchange.host.publications('system', o.org);
        output(cmd, list, () =>
          table(
            ['id', 'product', 'status', 'v', 'kg CO2e', 'per', 'preceding', 'shared with'],
            list.map((p) => [
              p.id,
              p.productName,
              p.status,
              p.version,
              p.pcfExcludingBiogenicUptake,
              p.declaredUnit,
              p.precedingPfIds.length,
              p.sharedWith.map((s) => (s.scope === 'all' ? `${s.org} (all)` : s.org)).join(', '),
            ]),
          ),
        );
      }),
    );

  const deprecate = new Command('deprecate')
    .description('Mark a publication Deprecated')
    .argument('<publicationId>')
    .option('--reason <text>')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { reason?: string }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const p = await exchange.host.deprecate(id, o.reason, 'system');
        output(cmd, p, () => `${p.id} is now ${p.status} (${p.statusComment ?? ''})`);
      }),
    );

  const agreements = new Command('agreements')
    .description('Data-sharing agreements (owner → recipient)')
    .option('--json', 'JSON output');
  agreements
    .command('list')
    .requiredOption('--org <slug>')
    .option('--all', 'include ended ones')
    .action(async (o: { org: string; all?: boolean }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const list = await exchange.host.agreements('system', o.org, o.all === true);
        output(cmd, list, () =>
          table(
            ['id', 'owner', 'recipient', 'scope', 'footprints', 'since', 'ended'],
            list.map((a) => [
              a.id,
              a.owner.slug,
              a.recipient.slug,
              a.scope,
              a.scope === 'all' ? 'all' : a.publications.length,
              a.createdAt,
              a.endedAt,
            ]),
          ),
        );
      }),
    );
  agreements
    .command('create')
    .description('Share all publications, or the ones named, with a recipient')
    .requiredOption('--org <slug>', 'the data owner')
    .requiredOption('--recipient <slug>')
    .option('--publication <id>', 'share only this publication (repeatable)', collect)
    .action(async (o: { org: string; recipient: string; publication?: string[] }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const a = await exchange.host.share(
          {
            org: o.org,
            recipient: o.recipient,
            scope: o.publication ? 'selected' : 'all',
            publications: o.publication,
          },
          'system',
        );
        output(cmd, a, () => `agreement ${a.id}: ${a.owner.slug} → ${a.recipient.slug} (${a.scope})`);
      }),
    );
  agreements
    .command('end')
    .argument('<agreementId>')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const a = await exchange.host.endAgreement(id, 'system');
        output(cmd, a, () => `agreement ${a.id} ended at ${a.endedAt}`);
      }),
    );

  const accessLog = new Command('access-log')
    .description('Who pulled which footprint, when')
    .requiredOption('--org <slug>')
    .option('--limit <n>', 'rows', (v) => Number(v), 100)
    .option('--json', 'JSON output')
    .action(async (o: { org: string; limit: number }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const rows = await exchange.host.accessLog('system', o.org, o.limit);
        output(cmd, rows, () =>
          table(
            ['at', 'recipient', 'client', 'action', 'v', 'footprint', 'product'],
            rows.map((r) => [
              r.at,
              r.recipient.slug,
              r.clientId,
              r.action,
              r.spec,
              r.publicationId,
              r.productName,
            ]),
          ),
        );
      }),
    );

  const requests = new Command('requests')
    .description('Footprint requests received (RequestCreated events)')
    .option('--json', 'JSON output');
  requests
    .command('list')
    .requiredOption('--org <slug>')
    .action(async (o: { org: string }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const rows = await exchange.host.requests('system', o.org);
        output(cmd, rows, () =>
          table(
            ['id', 'from', 'v', 'status', 'criteria', 'received'],
            rows.map((r) => [
              r.id,
              r.recipient.slug,
              r.spec,
              r.status,
              JSON.stringify(r.criteria).slice(0, 60),
              r.createdAt,
            ]),
          ),
        );
      }),
    );
  requests
    .command('fulfil')
    .description('Answer with publications (prints the RequestFulfilled event to send)')
    .argument('<requestId>')
    .requiredOption('--publication <id>', 'repeatable', collect)
    .action(async (id: string, o: { publication: string[] }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const ev = await exchange.host.fulfil(id, o.publication, 'system');
        output(cmd, ev, () => JSON.stringify(ev, null, 2));
      }),
    );
  requests
    .command('reject')
    .argument('<requestId>')
    .requiredOption('--reason <text>')
    .action(async (id: string, o: { reason: string }, cmd: Command) =>
      using(open, async ({ exchange }) => {
        const ev = await exchange.host.reject(id, o.reason, 'system');
        output(cmd, ev, () => JSON.stringify(ev, null, 2));
      }),
    );

  return [client, publish, publications, deprecate, agreements, accessLog, requests];
}
