import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Command } from 'commander';
import { output, table, using, type Opener } from '../../../kernel/cli.js';
import { AppError } from '../../../kernel/errors.js';
import { MAX_IMPORT_BYTES, type Factor, type Release } from './model.js';
import type { FactorService } from './service.js';

type Open = Opener<{ footprint: { factors: FactorService } }>;

const intOption = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v))
    throw new AppError('bad_request', `--${name}: "${v}" is not a whole number`, { field: name });
  return Number(v);
};

const releaseLine = (r: Release) => [
  r.id,
  `${r.slug}@${r.version}`,
  r.status,
  r.owner?.slug ?? 'public',
  r.factorCount,
  r.name,
];

function factorText(f: Factor): string {
  const q = f.quality;
  const lines = [
    `${f.name}`,
    `  id        ${f.id}`,
    `  key       ${f.key} (release ${f.release}@${f.releaseVersion})`,
    `  activity  ${f.activity}, region ${f.region}, year ${f.year}`,
    `  value     ${f.value} kg CO2e/${f.unit}${f.gwpSet ? ` (GWP ${f.gwpSet})` : ''}`,
  ];
  const split = Object.entries(f.split).filter(([, v]) => v !== null);
  if (split.length) lines.push(`  split     ${split.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const gases = Object.entries(f.gases).filter(([, v]) => v !== null);
  if (gases.length) lines.push(`  gases     ${gases.map(([k, v]) => `${k} ${v}`).join(', ')} (kg/${f.unit})`);
  const dq = [q.technological, q.temporal, q.geographical, q.completeness, q.reliability];
  if (dq.some((x) => x !== null))
    lines.push(`  quality   TeR/TiR/GeR/C/R ${dq.map((x) => x ?? '-').join('/')}`);
  lines.push(`  source    ${f.source}`, `  licence   ${f.licence}`);
  if (f.tags.length) lines.push(`  tags      ${f.tags.join('; ')}`);
  return lines.join('\n');
}

/** `greentrade footprint factors ...`: the emission-factor library, as the local operator. */
export function factorsCommand(open: Open): Command {
  const group = new Command('factors')
    .description('The emission-factor library: releases, import, search')
    .option('--json', 'JSON output');

  group
    .command('search')
    .description('Find factors by words (prefix match) and filters')
    .argument('[words...]')
    .option('--activity <prefix>', 'activity prefix (fuel., electricity.grid)')
    .option('--region <code>', 'ISO alpha-2, GLO, or a grid zone')
    .option('--year <year>', 'data year', intOption('year'))
    .option('--unit <unit>', 'the unit the factor is per (kWh, t, GJ, USD)')
    .option('--release <release>', 'a release slug, slug@version, or id')
    .option('--limit <n>', 'how many', intOption('limit'), 20)
    .option('--offset <n>', 'skip this many', intOption('offset'), 0)
    .action(
      async (
        words: string[],
        o: {
          activity?: string;
          region?: string;
          year?: number;
          unit?: string;
          release?: string;
          limit: number;
          offset: number;
        },
        cmd: Command,
      ) =>
        using(open, async ({ footprint }) => {
          const r = await footprint.factors.search('system', { ...o, q: words.join(' ') || undefined });
          output(cmd, r, () =>
            [
              table(
                ['id', 'key', 'value', 'per', 'region', 'year', 'release', 'name'],
                r.results.map((f) => [
                  f.id,
                  f.key,
                  f.value,
                  f.unit,
                  f.region,
                  f.year,
                  `${f.release}@${f.releaseVersion}`,
                  f.name,
                ]),
              ),
              `${r.results.length} of ${r.total} (kg CO2e per unit)`,
            ].join('\n'),
          );
        }),
    );

  group
    .command('import')
    .description('Import a CSV or JSON file (docs/footprint-factors.md) as a new release; all or nothing')
    .argument('<file>')
    .requiredOption('--org <slug>', 'the organisation that owns the release')
    // `--version` is the program's own option (commander reads it anywhere on the line), hence
    // `--release slug@version` or `--release-version`.
    .requiredOption(
      '--release <slug[@version]>',
      'the release slug, with its version after @ (acme-mill@2025)',
    )
    .option(
      '--release-version <version>',
      'the release version, if not given after @ (releases never change: import a new version)',
    )
    .option('--name <name>', 'a name for the release (default: the slug)')
    .option('--format <format>', 'csv or json (default: by the file extension)')
    .option('--source <text>', 'source for rows that give none')
    .option('--licence <text>', 'licence for rows that give none')
    .option('--publish', 'publish at once (immutable from then on)')
    .action(
      async (
        file: string,
        o: {
          org: string;
          release: string;
          releaseVersion?: string;
          name?: string;
          format?: string;
          source?: string;
          licence?: string;
          publish?: boolean;
        },
        cmd: Command,
      ) => {
        const format = (o.format ?? extname(file).slice(1).toLowerCase()) as 'csv' | 'json';
        if (format !== 'csv' && format !== 'json')
          throw new AppError('bad_request', '--format: csv or json', { field: 'format' });
        if (statSync(file).size > MAX_IMPORT_BYTES)
          throw new AppError('payload_too_large', `${file}: over ${MAX_IMPORT_BYTES} bytes`, {
            field: 'file',
          });
        const [slug, atVersion] = o.release.split('@', 2) as [string, string | undefined];
        const version = atVersion ?? o.releaseVersion;
        if (!version)
          throw new AppError('bad_request', 'give the version: --release slug@version or --release-version', {
            field: 'release-version',
          });
        const content = readFileSync(file, 'utf8');
        await using(open, async ({ footprint }) => {
          const release = await footprint.factors.importRelease('system', {
            org: o.org,
            slug,
            version,
            name: o.name ?? slug,
            format,
            content,
            publish: o.publish ?? false,
            ...(o.source ? { source: o.source } : {}),
            ...(o.licence ? { licence: o.licence } : {}),
          });
          output(
            cmd,
            { release },
            () =>
              `${release.slug}@${release.version}: ${release.factorCount} factors, ${release.status} (id ${release.id}, sha256 ${release.checksum})`,
          );
        });
      },
    );

  group
    .command('releases')
    .description('Every release: shared public data and the organisations’ own')
    .action(async (_o: unknown, cmd: Command) =>
      using(open, async ({ footprint }) => {
        const releases = await footprint.factors.releases('system');
        output(cmd, { releases }, () =>
          table(['id', 'release', 'status', 'owner', 'factors', 'name'], releases.map(releaseLine)),
        );
      }),
    );

  group
    .command('show')
    .description('One factor, by id')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      using(open, async ({ footprint }) => {
        const factor = await footprint.factors.getFactor('system', id);
        output(cmd, { factor }, () => factorText(factor));
      }),
    );

  group
    .command('publish')
    .description('Publish a draft release: immutable from then on, recorded in the ledger')
    .argument('<release-id>')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      using(open, async ({ footprint }) => {
        const release = await footprint.factors.publish('system', id);
        output(
          cmd,
          { release },
          () => `${release.slug}@${release.version} published at ${release.publishedAt}`,
        );
      }),
    );

  return group;
}
