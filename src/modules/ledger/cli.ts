import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { output, readJsonFile, table, using, type Opener } from '../../kernel/cli.js';
import { AppError } from '../../kernel/errors.js';
import { checkInclusionProof, fromHex, type Check } from './lib/index.js';
import { sha256, type LedgerService } from './service.js';

type Open = Opener<{ ledger: LedgerService }>;

const intOption = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v))
    throw new AppError('bad_request', `${name}: "${v}" is not a whole number`, { field: name });
  return Number(v);
};

/** Prints a check's verdict and sets the exit code: 0 valid, 1 not (with the reason). */
function verdict(cmd: Command, check: Check, okText: string, data: Record<string, unknown> = {}): void {
  output(cmd, { ...data, valid: check.ok, ...(check.reason ? { reason: check.reason } : {}) }, () =>
    check.ok ? `valid: ${okText}` : `invalid: ${check.reason}`,
  );
  if (!check.ok) process.exitCode = 1;
}

/** `greentrade ledger …`: the tamper-evident log. */
export function ledgerCli(open: Open): Command {
  const ledger = new Command('ledger').description(
    'The tamper-evident ledger: entries, proofs, checkpoints, audit',
  );

  ledger
    .command('append')
    .description('Append an entry (as the local operator)')
    .requiredOption('--type <type>', 'entry type, e.g. registry.transfer')
    .requiredOption('--subject <id>', 'what the entry is about')
    .requiredOption('--body <json>', 'the entry body, JSON')
    .option('--org <id>', 'the owning organisation (its members may read the entry)')
    .option('--public', 'anyone may read the entry')
    .option('--json', 'JSON output')
    .action(
      async (
        o: { type: string; subject: string; body: string; org?: string; public?: boolean },
        cmd: Command,
      ) => {
        let body: unknown;
        try {
          body = JSON.parse(o.body);
        } catch (e) {
          throw new AppError('bad_request', `--body: not JSON (${(e as Error).message})`, { field: 'body' });
        }
        await using(open, async ({ ledger: svc }) => {
          const r = await svc.db.transaction((tx) =>
            svc.append(tx, {
              type: o.type,
              subject: o.subject,
              body,
              orgId: o.org ?? null,
              public: o.public ?? false,
            }),
          );
          output(cmd, r, () => `entry ${r.index}, leaf hash ${r.leafHash}`);
        });
      },
    );

  ledger
    .command('notarize')
    .description("Anchor a document's SHA-256 in the ledger (the document stays here)")
    .argument('<file>', 'the document')
    .option('--json', 'JSON output')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const hash = createHash('sha256');
      try {
        for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      } catch {
        throw new AppError('bad_request', `cannot read ${file}`, { field: 'file' });
      }
      const docHash = hash.digest('hex');
      await using(open, async ({ ledger: svc }) => {
        const r = await svc.notarize(docHash, 'system');
        output(cmd, r, () => `${file} (SHA-256 ${docHash}) anchored as entry ${r.index}`);
      });
    });

  ledger
    .command('checkpoint')
    .description('Sign a checkpoint of the log as it is now')
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ ledger: svc }) => {
        const cp = await svc.checkpoint();
        output(cmd, cp, () => cp.note);
      });
    });

  ledger
    .command('entry')
    .description('Show an entry')
    .argument('<index>', 'the entry number', intOption('index'))
    .option('--json', 'JSON output')
    .action(async (index: number, _o: unknown, cmd: Command) => {
      await using(open, async ({ ledger: svc }) => {
        const e = await svc.entry(index, 'system');
        output(cmd, e, () =>
          [`entry ${e.index}  ${e.type}  ${e.subject}  ${e.time}`, `leaf hash ${e.leafHash}`, e.entry].join(
            '\n',
          ),
        );
      });
    });

  ledger
    .command('proof')
    .description('Print an inclusion proof of an entry (JSON), for ledger check-proof or the library')
    .argument('<index>', 'the entry number', intOption('index'))
    .option(
      '--tree-size <n>',
      'prove it in the tree of this size (default: the latest checkpoint)',
      intOption('tree-size'),
    )
    .option('--json', 'JSON output (the proof is JSON either way)')
    .action(async (index: number, o: { treeSize?: number }) => {
      await using(open, async ({ ledger: svc }) => {
        const proof = await svc.inclusionProof(index, 'system', o.treeSize);
        process.stdout.write(JSON.stringify(proof, null, 2) + '\n');
      });
    });

  ledger
    .command('check-proof')
    .description(
      'Check an inclusion proof file without the database: exits 0 if valid, 1 with the reason if not',
    )
    .argument('<file>', 'the proof, as ledger proof prints it')
    .option('--public-key <hex>', "require the checkpoint to be signed by this key (the log's public key)")
    .option('--json', 'JSON output')
    .action((file: string, o: { publicKey?: string }, cmd: Command) => {
      if (o.publicKey !== undefined && !fromHex(o.publicKey, 32))
        throw new AppError('bad_request', '--public-key: must be 32 bytes of hex', { field: 'public-key' });
      // The contract: 0 for a valid proof, 1 with the reason for anything else, a broken file too.
      let proof: unknown;
      try {
        proof = readJsonFile(file);
      } catch (e) {
        return verdict(cmd, { ok: false, reason: (e as Error).message }, '');
      }
      const check = checkInclusionProof(proof, {
        sha256,
        ...(o.publicKey ? { trustedKeys: [o.publicKey] } : {}),
      });
      const p = proof as { index?: number; treeSize?: number; rootHash?: string };
      verdict(cmd, check, `entry ${p.index} is in the tree of ${p.treeSize} entries with root ${p.rootHash}`);
    });

  ledger
    .command('verify')
    .description(
      'Recompute the whole tree from the stored entries and check everything; exits 1 naming the first bad entry',
    )
    .option('--json', 'JSON output')
    .action(async (_o: unknown, cmd: Command) => {
      await using(open, async ({ ledger: svc }) => {
        const r = await svc.verify();
        output(cmd, r, () =>
          r.ok
            ? `ok: ${r.entries} entries, ${r.checkpoints} checkpoints, ${r.references} records pointing at entries`
            : `FAILED at entry ${r.firstBad!.index}: ${r.firstBad!.reason}`,
        );
        if (!r.ok) process.exitCode = 1;
      });
    });

  ledger
    .command('export-checkpoint')
    .description('Hand the latest signed checkpoint to an outside witness: a file, or a URL (POSTed as JSON)')
    .option('--out <file>', 'write it to this file')
    .option('--url <url>', 'POST it to this URL')
    .option('--json', 'JSON output')
    .action(async (o: { out?: string; url?: string }, cmd: Command) => {
      if (!o.out && !o.url) throw new AppError('bad_request', 'give --out or --url', { field: 'out' });
      if (o.url && !/^https?:\/\//.test(o.url))
        throw new AppError('bad_request', '--url: must be http(s)', { field: 'url' });
      await using(open, async ({ ledger: svc }) => {
        const cp = (await svc.latestCheckpoint()) ?? (await svc.checkpoint());
        const text = JSON.stringify(cp, null, 2) + '\n';
        if (o.out) writeFileSync(o.out, text);
        if (o.url) {
          const res = await fetch(o.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: text,
          });
          if (!res.ok)
            throw new AppError('bad_request', `the witness at ${o.url} answered ${res.status}`, {
              field: 'url',
            });
        }
        output(
          cmd,
          cp,
          () =>
            `checkpoint of tree size ${cp.treeSize} exported${o.out ? ` to ${o.out}` : ''}${o.url ? ` to ${o.url}` : ''}`,
        );
      });
    });

  ledger
    .command('check-witness')
    .description(
      'Is the log consistent with a checkpoint an outside witness kept? Exits 0 if so, 1 with the reason',
    )
    .argument('<file>', 'the witnessed checkpoint (JSON, as export-checkpoint writes it)')
    .option('--json', 'JSON output')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const witnessed = readJsonFile(file);
      await using(open, async ({ ledger: svc }) => {
        const r = await svc.checkWitnessed(witnessed);
        const w = witnessed as { treeSize?: number };
        verdict(
          cmd,
          r,
          `the log extends the witnessed tree of ${w.treeSize} entries`,
          r.proof ? { proof: r.proof } : {},
        );
      });
    });

  ledger
    .command('checkpoints')
    .description('Recent checkpoints')
    .option('--limit <n>', 'how many', intOption('limit'), 20)
    .option('--json', 'JSON output')
    .action(async (o: { limit: number }, cmd: Command) => {
      await using(open, async ({ ledger: svc }) => {
        const cps = await svc.recentCheckpoints(o.limit);
        output(cmd, { checkpoints: cps }, () =>
          table(
            ['tree size', 'root hash', 'time'],
            cps.map((c) => [c.treeSize, c.rootHash, c.timestamp]),
          ),
        );
      });
    });

  return ledger;
}
