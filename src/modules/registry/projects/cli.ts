import { readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { output, readJsonFile, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { RegistryServices } from '../services.js';
import { PROJECT_ACTIONS } from './model.js';

type Open = Opener<{ registry: RegistryServices }>;

/** A text file named on the command line, refused by its size before it is read. */
function readText(file: string, maxBytes: number): string {
  try {
    if (statSync(file).size > maxBytes)
      throw new AppError('bad_request', `${file}: larger than ${maxBytes} bytes`, { field: 'file' });
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
  }
}

const list = (s: string | undefined) =>
  s === undefined || s.trim() === ''
    ? []
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

/**
 * `greentrade registry projects|monitoring|issuance-requests|controls|obligations|screening`.
 * The CLI acts as the local registry operator (it opens the database itself).
 */
export function projectsCommands(open: Open): Command[] {
  const projects = new Command('projects').description('Carbon projects: create, workflow, documents');
  projects
    .command('list')
    .description('Projects, optionally of one status')
    .option('--status <status>', 'draft, submitted, validated, registered, rejected, withdrawn')
    .option('--json', 'JSON output')
    .action(async (o: { status?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const ps = await registry.projects.listProjects('system', o.status ? { status: o.status } : {});
        output(cmd, { projects: ps }, () =>
          table(
            ['code', 'status', 'country', 'sector', 'methodology', 'proponent', 'name'],
            ps.map((p) => [p.code, p.status, p.hostCountry, p.sector, p.methodology, p.org.slug, p.name]),
          ),
        );
      });
    });
  projects
    .command('show')
    .description('A project with its history, documents, reports, requests and flags')
    .argument('<id>', 'project id or code (P0001)')
    .option('--json', 'JSON output')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const p = await registry.projects.getProject(id, 'system');
        output(cmd, { project: p }, () =>
          [
            `${p.code} ${p.name} (${p.status}) – ${p.org.slug}, ${p.hostCountry}, ${p.sector}, ${p.methodology}`,
            `crediting periods: ${p.creditingPeriods.map((c) => `${c.starts} – ${c.ends}`).join(', ')}`,
            `labels: ${p.labels.join(', ') || '–'}   validator: ${p.validatorOrg?.slug ?? '–'}   open flags: ${p.openFlags}`,
            '',
            table(
              ['when', 'action', 'from', 'to', 'by', 'ledger'],
              p.events.map((e) => [e.at, e.action, e.from, e.to, e.actor, e.ledger.index]),
            ),
          ].join('\n'),
        );
      });
    });
  projects
    .command('create')
    .description('Create a draft project from a JSON file (docs/registry-projects.md shows the fields)')
    .argument('<file>', 'the project (JSON)')
    .requiredOption('--org <slug>', 'the proponent organisation')
    .option('--json', 'JSON output')
    .action(async (file: string, o: { org: string }, cmd: Command) => {
      const input = readJsonFile(file, 64 * 1024) as Record<string, unknown>;
      await using(open, async ({ registry }) => {
        const p = await registry.projects.createProject({ ...input, org: o.org }, 'system');
        output(cmd, { project: p }, () => `project ${p.code} created (${p.status})`);
      });
    });
  for (const action of PROJECT_ACTIONS)
    projects
      .command(action)
      .description(`Workflow: ${action} a project`)
      .argument('<id>', 'project id or code')
      .option('--reason <text>', 'why (needed to reject)')
      .option('--json', 'JSON output')
      .action(async (id: string, o: { reason?: string }, cmd: Command) => {
        await using(open, async ({ registry }) => {
          const p = await registry.projects.transition(id, action, 'system', o.reason);
          output(cmd, { project: p }, () => `project ${p.code} is ${p.status}`);
        });
      });
  projects
    .command('attach')
    .description('Attach a document to a project (at most 5 MiB)')
    .argument('<id>', 'project id or code')
    .argument('<file>', 'the document')
    .option(
      '--kind <kind>',
      'pdd, validation-report, monitoring-report, verification-report, letter, other',
      'other',
    )
    .option('--content-type <type>', 'its media type', 'application/pdf')
    .option('--json', 'JSON output')
    .action(async (id: string, file: string, o: { kind: string; contentType: string }, cmd: Command) => {
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch {
        throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
      }
      await using(open, async ({ registry }) => {
        const d = await registry.projects.addDocument(
          id,
          {
            kind: o.kind,
            filename: file.split('/').pop() ?? file,
            contentType: o.contentType,
            contentBase64: content.toString('base64'),
          },
          'system',
        );
        output(cmd, { document: d }, () => `document ${d.id}: ${d.size} bytes, SHA-256 ${d.sha256}`);
      });
    });

  const monitoring = new Command('monitoring').description('Monitoring reports and their verification');
  monitoring
    .command('list')
    .description('Monitoring reports')
    .option('--status <status>', 'submitted, verified, rejected')
    .option('--json', 'JSON output')
    .action(async (o: { status?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const rs = await registry.projects.listReports('system', o.status ? { status: o.status } : {});
        output(cmd, { reports: rs }, () =>
          table(
            ['id', 'project', 'period', 'claimed', 'verified', 'requested', 'status', 'verifier'],
            rs.map((r) => [
              r.id,
              r.project.code,
              `${r.periodStart} – ${r.periodEnd}`,
              r.claimed,
              r.verified,
              r.requested,
              r.status,
              r.verifierOrg.slug,
            ]),
          ),
        );
      });
    });
  monitoring
    .command('add')
    .description('Submit a monitoring report of a registered project')
    .argument('<project>', 'project id or code')
    .requiredOption('--from <date>', 'period start')
    .requiredOption('--to <date>', 'period end')
    .requiredOption('--claimed <tonnes>', 'emission reductions claimed (whole tonnes)')
    .requiredOption('--verifier <org>', 'the verifier organisation')
    .option('--json', 'JSON output')
    .action(
      async (project: string, o: { from: string; to: string; claimed: string; verifier: string }, cmd) => {
        await using(open, async ({ registry }) => {
          const r = await registry.projects.addReport(
            project,
            { periodStart: o.from, periodEnd: o.to, claimed: o.claimed, verifierOrg: o.verifier },
            'system',
          );
          output(cmd as Command, { report: r }, () => `monitoring report ${r.id} submitted`);
        });
      },
    );
  monitoring
    .command('verify')
    .description('Verify a monitoring report')
    .argument('<id>', 'report id')
    .requiredOption('--verified <tonnes>', 'the verified quantity (≤ claimed)')
    .requiredOption('--statement <text>', 'the verification statement')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { verified: string; statement: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.projects.decideReport(id, 'verify', o, 'system');
        output(cmd, { report: r }, () => `monitoring report ${r.id} verified: ${r.verified} t`);
      });
    });
  monitoring
    .command('reject')
    .description('Reject a monitoring report')
    .argument('<id>', 'report id')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { reason: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.projects.decideReport(id, 'reject', o, 'system');
        output(cmd, { report: r }, () => `monitoring report ${r.id} rejected`);
      });
    });

  const requests = new Command('issuance-requests').description('Issuance requests and their approval');
  requests
    .command('list')
    .option('--status <status>', 'pending, approved, rejected')
    .option('--json', 'JSON output')
    .action(async (o: { status?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const rs = await registry.projects.listRequests('system', o.status ? { status: o.status } : {});
        output(cmd, { requests: rs }, () =>
          table(
            ['id', 'project', 'vintage', 'quantity', 'type', 'buffer %', 'account', 'status'],
            rs.map((r) => [
              r.id,
              r.project.code,
              r.vintage,
              r.quantity,
              r.unitType,
              r.bufferPercent,
              r.toAccount.number,
              r.status,
            ]),
          ),
        );
      });
    });
  requests
    .command('create')
    .description('Request issuance on a verified monitoring report')
    .requiredOption('--report <id>', 'the verified monitoring report')
    .requiredOption('--vintage <year>', 'the vintage')
    .requiredOption('--quantity <n>', 'whole units')
    .option('--unit-type <type>', 'unit type', 'VER')
    .option('--buffer <percent>', 'buffer share in percent', '0')
    .option('--account <number>', 'target holding account of the proponent')
    .option('--json', 'JSON output')
    .action(
      async (
        o: {
          report: string;
          vintage: string;
          quantity: string;
          unitType: string;
          buffer: string;
          account?: string;
        },
        cmd: Command,
      ) => {
        await using(open, async ({ registry }) => {
          const r = await registry.projects.requestIssuance(
            {
              reportId: o.report,
              vintage: Number(o.vintage),
              quantity: o.quantity,
              unitType: o.unitType,
              bufferPercent: o.buffer,
              account: o.account,
            },
            'system',
          );
          output(cmd, { request: r }, () => `issuance request ${r.id} pending`);
        });
      },
    );
  requests
    .command('approve')
    .argument('<id>', 'request id')
    .option('--idempotency-key <key>', 'makes a retry safe')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { idempotencyKey?: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.projects.approveRequest(id, 'system', o.idempotencyKey);
        output(
          cmd,
          { request: r },
          () => `issuance request ${r.id} approved${'issued' in r && r.issued ? `: ${r.issued.serial}` : ''}`,
        );
      });
    });
  requests
    .command('reject')
    .argument('<id>', 'request id')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'JSON output')
    .action(async (id: string, o: { reason: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const r = await registry.projects.rejectRequest(id, o.reason, 'system');
        output(cmd, { request: r }, () => `issuance request ${r.id} rejected`);
      });
    });
  requests
    .command('queue')
    .description("The operator's approval queue")
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const q = await registry.projects.queue('system');
        output(cmd, q, () =>
          [
            `projects awaiting validation or registration: ${q.registrations.map((p) => `${p.code} (${p.status})`).join(', ') || '–'}`,
            `verified reports awaiting requests: ${q.awaitingRequests.map((r) => `${r.project.code} ${r.remaining} t`).join(', ') || '–'}`,
            `pending issuance requests: ${q.issuanceRequests.map((r) => `${r.id} ${r.project.code} ${r.quantity}`).join(', ') || '–'}`,
          ].join('\n'),
        );
      });
    });

  const controls = new Command('controls').description(
    'Quality controls (vintage cut-off, methodologies, labels)',
  );
  controls
    .command('show')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const c = await registry.projects.controls();
        output(cmd, { controls: c }, () =>
          [
            `version ${c.version}`,
            `vintage cut-off: ${c.vintageCutoff ?? '–'}`,
            `allowed methodologies: ${c.allowedMethodologies.join(', ') || 'any'}`,
            `labels for import: ${c.labelsForImport.join(', ') || '–'}`,
            `labels for use: ${c.labelsForUse.join(', ') || '–'}`,
          ].join('\n'),
        );
      });
    });
  controls
    .command('set')
    .description('Set new quality controls (a new version)')
    .option('--vintage-cutoff <year>', 'earliest vintage allowed')
    .option('--methodologies <list>', 'allowed methodologies, comma-separated (empty: any)')
    .option('--labels-import <list>', 'labels required for import')
    .option('--labels-use <list>', 'labels required for use')
    .option('--note <text>', 'a note', '')
    .option('--json', 'JSON output')
    .action(
      async (
        o: {
          vintageCutoff?: string;
          methodologies?: string;
          labelsImport?: string;
          labelsUse?: string;
          note: string;
        },
        cmd: Command,
      ) => {
        await using(open, async ({ registry }) => {
          const c = await registry.projects.setControls(
            {
              vintageCutoff: o.vintageCutoff ? Number(o.vintageCutoff) : null,
              allowedMethodologies: list(o.methodologies),
              labelsForImport: list(o.labelsImport),
              labelsForUse: list(o.labelsUse),
              note: o.note,
            },
            'system',
          );
          output(cmd, { controls: c }, () => `quality controls version ${c.version} in force`);
        });
      },
    );

  const obligations = new Command('obligations').description('Compliance obligations and offset-use limits');
  obligations
    .command('list')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const os = await registry.projects.listObligations('system');
        output(cmd, { obligations: os }, () =>
          table(
            ['id', 'org', 'year', 'obligation t', 'max %', 'max units', 'used', 'remaining'],
            os.map((x) => [
              x.id,
              x.org.slug,
              x.year,
              x.obligationTonnes,
              x.maxOffsetPercent,
              x.maxOffsetUnits,
              x.used,
              x.remaining,
            ]),
          ),
        );
      });
    });
  obligations
    .command('add')
    .requiredOption('--org <slug>', 'the organisation')
    .requiredOption('--year <year>', 'compliance year')
    .requiredOption('--tonnes <n>', 'the obligation in tonnes')
    .option('--max-offset-percent <p>', 'share that offsets may meet', '5')
    .option('--scheme <name>', 'e.g. CN-ETS', '')
    .option('--json', 'JSON output')
    .action(
      async (
        o: { org: string; year: string; tonnes: string; maxOffsetPercent: string; scheme: string },
        cmd: Command,
      ) => {
        await using(open, async ({ registry }) => {
          const x = await registry.projects.addObligation(
            {
              org: o.org,
              year: Number(o.year),
              obligationTonnes: o.tonnes,
              maxOffsetPercent: o.maxOffsetPercent,
              scheme: o.scheme,
            },
            'system',
          );
          output(
            cmd,
            { obligation: x },
            () => `obligation ${x.id}: at most ${x.maxOffsetUnits} offset units`,
          );
        });
      },
    );

  const screening = new Command('screening').description('Double-issuance screening');
  screening
    .command('import')
    .description(
      'Import projects registered elsewhere (CSV or JSON: registry,id,name,country,sector,start,end,lat,lon)',
    )
    .argument('<file>', 'the list (.csv or .json)')
    .option('--json', 'JSON output')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const text = readText(file, 6 * 1024 * 1024);
      await using(open, async ({ registry }) => {
        const r = await registry.projects.importExternal(
          text,
          file.endsWith('.json') ? 'json' : 'csv',
          'system',
        );
        output(cmd, r, () => `${r.rows} rows: ${r.inserted} new, ${r.updated} updated (SHA-256 ${r.sha256})`);
      });
    });
  screening
    .command('run')
    .description('Screen a project now')
    .argument('<project>', 'project id or code')
    .option('--json', 'JSON output')
    .action(async (project: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const flags = await registry.projects.screen(project, 'system');
        output(cmd, { flags }, () => flagTable(flags));
      });
    });
  screening
    .command('flags')
    .description('Screening flags of a project')
    .argument('<project>', 'project id or code')
    .option('--json', 'JSON output')
    .action(async (project: string, _o: unknown, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const flags = await registry.projects.flags(project, 'system');
        output(cmd, { flags }, () => flagTable(flags));
      });
    });
  screening
    .command('dismiss')
    .description('Acknowledge (dismiss) a flag with a reason')
    .argument('<project>', 'project id or code')
    .argument('<flag>', 'flag id')
    .requiredOption('--reason <text>', 'why it is not a double issuance')
    .option('--json', 'JSON output')
    .action(async (project: string, flag: string, o: { reason: string }, cmd: Command) => {
      await using(open, async ({ registry }) => {
        const flags = await registry.projects.dismissFlag(project, flag, o.reason, 'system');
        output(cmd, { flags }, () => flagTable(flags));
      });
    });

  return [projects, monitoring, requests, controls, obligations, screening];
}

function flagTable(
  flags: {
    id: string;
    other: { registry: string | null; id: string; name: string };
    reasons: string[];
    status: string;
  }[],
): string {
  return table(
    ['flag', 'status', 'look-alike', 'reasons'],
    flags.map((f) => [
      f.id,
      f.status,
      `${f.other.registry ?? 'here'} ${f.other.id} ${f.other.name}`,
      f.reasons.join('; '),
    ]),
  );
}
