import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Principal } from '../../../kernel/access.js';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import type { Viewer } from '../contract.js';
import type { CbamServices } from '../services.js';
import { blankTemplate, loadWorkbook, MAX_XLSX_BYTES, readInstallationData } from './workbook.js';

type Open = Opener<{ cbam: CbamServices }>;

/** The local operator, or acting as an admin of one organisation (`--org`), as the other CLIs do. */
async function viewerFor(cbam: CbamServices, org: string | undefined): Promise<Viewer> {
  if (org === undefined) return 'system';
  const row = (
    await cbam.deps.db.query<{ id: string }>('SELECT id FROM organisation WHERE slug = $1', [org])
  )[0];
  if (!row) throw new AppError('bad_request', `--org: no organisation "${org}"`, { field: 'org' });
  const p: Principal = {
    kind: 'user',
    id: 'system',
    name: 'local operator',
    memberships: [{ orgId: row.id, role: 'admin' }],
  };
  return p;
}

function readFile(file: string, maxBytes: number): Buffer {
  try {
    if (statSync(file).size > maxBytes)
      throw new AppError('payload_too_large', `${file}: larger than ${maxBytes / 2 ** 20} MiB`, {
        field: 'file',
      });
    return readFileSync(file);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
  }
}

/** `greentrade cbam export|verify|template`. */
export function communicationCommands(open: Open): Command[] {
  const exportCmd = new Command('export')
    .description(
      "Issue an installation's communication file (calculated, signed, ledger-recorded) and write it as XLSX or JSON",
    )
    .argument('<installation>', 'installation id')
    .requiredOption('--out <file>', 'FILE.xlsx (the Commission template layout) or FILE.json')
    .option('--org <slug>', 'act as an admin of this organisation (default: the local operator)')
    .option('--json', 'JSON output (the file summary)')
    .action(async (installation: string, o: { out: string; org?: string }, cmd: Command) => {
      const kind = o.out.toLowerCase().endsWith('.xlsx')
        ? 'xlsx'
        : o.out.toLowerCase().endsWith('.json')
          ? 'json'
          : null;
      if (!kind) throw new AppError('bad_request', '--out: name a .xlsx or .json file', { field: 'out' });
      await using(open, async ({ cbam }) => {
        const file = await cbam.communication.issue(await viewerFor(cbam, o.org), installation);
        writeFileSync(
          o.out,
          kind === 'xlsx' ? await cbam.communication.toXlsx(file) : JSON.stringify(file, null, 2) + '\n',
        );
        const summary = {
          id: file.id,
          out: o.out,
          sha256: file.proof!.sha256,
          ledgerIndex: file.proof!.ledger?.index ?? null,
          goods: file.results.goods.length,
        };
        output(
          cmd,
          summary,
          () =>
            `communication file ${file.id} → ${o.out}\n  sha256 ${summary.sha256}, ledger entry ${summary.ledgerIndex}, ${summary.goods} goods`,
        );
      });
    });

  const verifyCmd = new Command('verify')
    .description('Verify a communication file (JSON, or an XLSX we issued): hash, signature, ledger entry')
    .argument('<file>', 'FILE.json or FILE.xlsx')
    .option('--json', 'JSON output')
    .action(async (path: string, _o: unknown, cmd: Command) => {
      const bytes = readFile(path, MAX_XLSX_BYTES);
      const verdict = await using(open, async ({ cbam }) => cbam.communication.verifyBytes(bytes));
      output(cmd, verdict, () =>
        [
          verdict.valid ? 'valid' : 'INVALID',
          verdict.publicKeyThumbprint ? `  signing key ${verdict.publicKeyThumbprint}` : '',
          ...verdict.reasons.map((r) => `  - ${r}`),
        ]
          .filter((l) => l !== '')
          .join('\n'),
      );
      if (!verdict.valid) process.exitCode = 1;
    });

  const template = new Command('template').description(
    'The communication template: read a filled-in workbook, or write an empty one',
  );
  template
    .command('read')
    .description('Read a workbook laid out like the communication template into installation data (JSON)')
    .argument('<file>', 'FILE.xlsx')
    .option('--json', 'JSON output (the installation data)')
    .action(async (path: string, _o: unknown, cmd: Command) => {
      // No database: reading a workbook is a pure function of its bytes.
      const data = readInstallationData(await loadWorkbook(readFile(path, MAX_XLSX_BYTES)));
      output(cmd, data, () =>
        [
          `${data.installation.name} (${data.installation.country}), ${data.reportingPeriod.start} to ${data.reportingPeriod.end}`,
          table(
            ['process', 'category', 'route', 'CN codes', 'production'],
            data.processes.map((p) => [
              p.id,
              p.goodsCategory,
              p.route ?? '',
              p.cnCodes.join(' '),
              p.production,
            ]),
          ),
          `${data.sourceStreams.length} source streams, ${data.energyFlows.length} energy flows, ${data.purchasedPrecursors.length} purchased precursors`,
        ].join('\n'),
      );
    });
  template
    .command('blank')
    .description('Write an empty template for filling in by hand')
    .requiredOption('--out <file>', 'FILE.xlsx')
    .action(async (o: { out: string }) => {
      writeFileSync(o.out, await blankTemplate());
      process.stdout.write(`empty communication template → ${o.out}\n`);
    });

  return [exportCmd, verifyCmd, template];
}
