// Writes data/factors/grid-ember.csv, the `ember-grid` factor release, from the country grid
// intensities that the npm package @tgwf/co2 ships (Ember, CC BY-SA 4.0; see
// data/factors/SOURCE-ember.md). Run after upgrading @tgwf/co2: `npx tsx scripts/build-grid-factors.ts`.
//
// The package carries the values (g CO2e/kWh, the latest year Ember had for each country) but
// not the year nor ISO alpha-2 codes: those come from data/factors/grid-ember-countries.csv,
// taken from the co2.js repository (data/output/average-intensities.json and
// data/fixtures/countries.csv). A country the package has and that file lacks stops the build,
// so a new package version cannot silently ship values under a wrong year.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Decimal } from 'decimal.js';
import { parseCsv } from '../src/kernel/csv.js';
import { dataFile } from '../src/kernel/paths.js';
import { FACTOR_CSV_COLUMNS } from '../src/modules/footprint/factors/model.js';

/** The package's own data file (the `./data` export re-exports it); read, never bundled. */
export async function emberIntensities(): Promise<{ version: string; data: Record<string, number> }> {
  const require = createRequire(import.meta.url);
  // The package exports no ./package.json; its main entry is dist/cjs/index-node.js.
  const root = dirname(dirname(dirname(require.resolve('@tgwf/co2'))));
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  const file = join(root, 'dist', 'esm', 'data', 'average-intensities.min.js');
  const mod = (await import(pathToFileURL(file).href)) as { data: Record<string, number>; type: string };
  if (mod.type !== 'average') throw new Error(`${file}: expected average intensities, found ${mod.type}`);
  return { version, data: mod.data };
}

const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

async function main(): Promise<void> {
  const { version, data } = await emberIntensities();
  const countries = parseCsv(
    readFileSync(dataFile('factors', 'grid-ember-countries.csv'), 'utf8'),
    'grid-ember-countries.csv',
  );
  const byKey = new Map(countries.map(({ record: r }) => [r['ember_key']!, r]));
  const rows: Record<string, string>[] = [];
  const unknown: string[] = [];
  for (const [emberKey, gPerKwh] of Object.entries(data)) {
    const c = byKey.get(emberKey);
    if (!c) {
      // Ember's aggregates (ASIA, G20, OECD...) are not places a factor applies to, except
      // WORLD and EU, which the countries file lists; anything else must be looked at.
      if (!/^[A-Z]{3}$/.test(emberKey)) continue;
      unknown.push(emberKey);
      continue;
    }
    const region = c['region']!;
    const year = c['year']!;
    rows.push({
      key: `grid.${region}.${year}`,
      name: `Electricity, grid average, ${c['name']} ${year} (Ember)`,
      activity: 'electricity.grid',
      unit: 'kWh',
      // g/kWh to kg/kWh exactly: a decimal shift, not a float division.
      value: new Decimal(String(gPerKwh)).dividedBy(1000).toFixed(),
      region,
      year,
      source: `Ember, yearly electricity data (life-cycle g CO2e/kWh of generation), via @tgwf/co2 ${version}`,
      licence: 'CC BY-SA 4.0 (Ember)',
      dq_technological: '1',
      dq_temporal: '1',
      dq_geographical: '1',
      dq_completeness: '2',
      dq_reliability: '2',
      tags: 'electricity;grid;location-based;ember',
    });
  }
  if (unknown.length > 0)
    throw new Error(
      `@tgwf/co2 ${version} has countries missing from grid-ember-countries.csv: ${unknown.join(', ')}`,
    );
  rows.sort((a, b) => a['key']!.localeCompare(b['key']!));
  const text = [
    FACTOR_CSV_COLUMNS.join(','),
    ...rows.map((r) => FACTOR_CSV_COLUMNS.map((col) => quote(r[col] ?? '')).join(',')),
  ].join('\n');
  writeFileSync(dataFile('factors', 'grid-ember.csv'), text + '\n');
  process.stdout.write(
    `${rows.length} grid factors from @tgwf/co2 ${version} → data/factors/grid-ember.csv\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
