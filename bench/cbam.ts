// CBAM declaration (issue 7's figure): an EU importer's declaration for --shipments (default
// 10,000) shipments from --suppliers (default 200) supplier installations. "Ours" is the
// importer's real work through its service: import every supplier's signed communication file
// (parsed, validated, hash and signature checked, kept as a version), import the shipments CSV
// (one transaction), and build the annual declaration and its XML; on PGlite and, when it
// answers, on PostgreSQL. "The limit" is only parsing the same bytes: JSON.parse of the supplier
// files and csv-parse of the shipments, measured next to each run (the machine's load moves).
// Prints the medians of --runs (default 3) and ours/limit; both databases must give the same
// declaration (the run fails otherwise).
//
// Setup (not timed): one organisation per supplier, its installation saved and its communication
// file issued through the real CommunicationService (calculated, signed, ledger-recorded), on a
// template database with an empty importer organisation; every timed run works on a fresh copy
// of that template (PGlite: a copied data directory; PostgreSQL: CREATE DATABASE ... TEMPLATE),
// so that the importer starts with no supplier files and no shipments, while the suppliers'
// ledger entries the files name are there to be checked, as on one platform.
//   npx tsx bench/run.ts cbam [--runs=3] [--suppliers=200] [--shipments=10000]
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { openDb, type Db } from '../src/db/index.js';
import { createLogger } from '../src/kernel/log.js';
import { identityAdmin } from '../src/modules/identity/index.js';
import type { InstallationDataInput } from '../src/modules/cbam/model.js';
import { wire, type Platform } from '../src/platform.js';
import { testLedger } from '../src/testing/db.js';
import { fmt, median, prng, root, writeResult } from './lib.js';

const arg = (name: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const RUNS = Math.max(3, arg('runs', 3));
const SUPPLIERS = arg('suppliers', 200);
const SHIPMENTS = arg('shipments', 10_000);
/** Shipments with no supplier data (the declaration falls back on the Commission's defaults). */
const WITHOUT_DATA = arg('without-data', 50);
const YEAR = 2026;
const PG_URL = process.env['PG_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const IMPORTER_SLUG = 'bench-cbam-importer';
const silent = createLogger('silent');
// The suppliers' signing keys are kept encrypted with this key (else a file in ./.greentrade).
process.env['GREENTRADE_CBAM_KEY'] ??= randomBytes(32).toString('hex');

const rand = prng(956);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** A decimal string with `digits` decimals between lo and hi. */
const decimal = (lo: number, hi: number, digits = 3) => (lo + rand() * (hi - lo)).toFixed(digits);

const COUNTRIES = ['CN', 'IN', 'TR', 'VN', 'KR', 'UA', 'EG', 'BR', 'ZA', 'RS'] as const;

// ---------------------------------------------------------------- the suppliers' installations

/**
 * Cement works (clinker, a simple good; cement, a complex good with clinker as its precursor)
 * and steel works (pig iron → crude steel → hot-rolled products), alternately, with figures
 * drawn around realistic values so that plausibility checks pass.
 */
function installationData(i: number): InstallationDataInput {
  const country = COUNTRIES[i % COUNTRIES.length]!;
  const head = {
    installation: {
      name: `Bench installation ${String(i).padStart(3, '0')}`,
      operator: `Bench supplier ${String(i).padStart(3, '0')} Ltd.`,
      country,
      city: `City ${i}`,
    },
    reportingPeriod: { start: '2025-01-01', end: '2025-12-31' },
  };
  if (i % 2 === 0) {
    const clinker = Number(decimal(50_000, 500_000, 0));
    const used = Math.round(clinker * 0.8);
    return {
      ...head,
      sourceStreams: [
        {
          id: 'raw-meal',
          name: 'Raw meal',
          method: 'process',
          activityData: String(clinker * 1.55),
          emissionFactor: decimal(0.33, 0.36),
        },
        {
          id: 'coal',
          name: 'Coal',
          method: 'combustion',
          activityData: String(Math.round(clinker * 0.11)),
          ncv: decimal(24, 27, 1),
          emissionFactor: decimal(94, 96, 1),
        },
        {
          id: 'gas',
          name: 'Natural gas',
          method: 'combustion',
          activityData: String(Math.round(clinker * 0.004)),
          ncv: '48',
          emissionFactor: '56.1',
        },
      ],
      energyFlows: [
        {
          process: 'kiln',
          kind: 'electricity',
          direction: 'consumed',
          quantity: String(Math.round(clinker * 0.09)),
          emissionFactor: decimal(0.4, 0.7),
          electricitySource: 'ppa',
        },
        {
          process: 'mill',
          kind: 'electricity',
          direction: 'consumed',
          quantity: String(Math.round(clinker * 0.05)),
          emissionFactor: decimal(0.4, 0.7),
          electricitySource: 'ppa',
        },
      ],
      processes: [
        {
          id: 'kiln',
          name: 'Clinker kiln',
          goodsCategory: 'cement_clinker',
          cnCodes: ['25231000'],
          production: String(clinker),
          sourceStreams: [
            { id: 'raw-meal', share: '1' },
            { id: 'coal', share: '1' },
          ],
        },
        {
          id: 'mill',
          name: 'Cement mill',
          goodsCategory: 'cement',
          cnCodes: ['25232900', '25239000'],
          production: String(Math.round(used / 0.78)),
          sourceStreams: [{ id: 'gas', share: '1' }],
          precursors: [{ from: 'process:kiln', mass: String(used) }],
        },
      ],
    };
  }
  // Steel works: blast furnace (pig iron), converter (crude steel from the pig iron), hot rolling
  // (flat and bar products from the crude steel); electricity from the grid (the country's factor).
  const iron = Number(decimal(200_000, 2_000_000, 0));
  const steel = Math.round(iron / 0.95);
  const rolled = Math.round(steel / 1.05);
  return {
    ...head,
    sourceStreams: [
      {
        id: 'coke',
        name: 'Coke',
        method: 'combustion',
        activityData: String(Math.round(iron * 0.48)),
        ncv: decimal(28, 29, 1),
        emissionFactor: decimal(105, 108, 1),
      },
      {
        id: 'limestone',
        name: 'Limestone',
        method: 'process',
        activityData: String(Math.round(iron * 0.1)),
        emissionFactor: '0.44',
      },
      {
        id: 'gas',
        name: 'Natural gas',
        method: 'combustion',
        activityData: String(Math.round(iron * 0.02)),
        ncv: '48',
        emissionFactor: '56.1',
      },
    ],
    energyFlows: [
      { process: 'bf', kind: 'electricity', direction: 'consumed', quantity: String(Math.round(iron * 0.1)) },
      {
        process: 'bof',
        kind: 'electricity',
        direction: 'consumed',
        quantity: String(Math.round(steel * 0.05)),
      },
      {
        process: 'hsm',
        kind: 'electricity',
        direction: 'consumed',
        quantity: String(Math.round(rolled * 0.12)),
      },
    ],
    processes: [
      {
        id: 'bf',
        name: 'Blast furnace',
        goodsCategory: 'pig_iron',
        route: 'blast_furnace',
        cnCodes: ['72011011'],
        production: String(iron),
        sourceStreams: [
          { id: 'coke', share: '1' },
          { id: 'limestone', share: '1' },
        ],
      },
      {
        id: 'bof',
        name: 'Basic oxygen converter',
        goodsCategory: 'crude_steel',
        route: 'bof',
        cnCodes: ['72071111'],
        production: String(steel),
        sourceStreams: [{ id: 'gas', share: '0.4' }],
        precursors: [{ from: 'process:bf', mass: String(Math.round(iron * 0.98)) }],
      },
      {
        id: 'hsm',
        name: 'Hot strip and bar mill',
        goodsCategory: 'iron_steel_products',
        cnCodes: ['72083900', '72085120', '72142000'],
        production: String(rolled),
        sourceStreams: [{ id: 'gas', share: '0.6' }],
        precursors: [{ from: 'process:bof', mass: String(Math.round(steel * 0.99)) }],
      },
    ],
  };
}

/** Supplier orgs, their installations and issued files, and the empty importer org. */
async function exporterSide(
  db: Db,
  platform: Platform,
  installations: readonly InstallationDataInput[],
): Promise<string[]> {
  const files: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SUPPLIERS; i++) {
    const orgId = await identityAdmin.ensureOrg(db, `bench-supplier-${i}`, `Bench supplier ${i}`);
    const saved = await platform.cbam.installations.save('system', orgId, installations[i]);
    const file = await platform.cbam.communication.issue('system', saved.id);
    files.push(JSON.stringify(file));
  }
  await identityAdmin.ensureOrg(db, IMPORTER_SLUG, 'Bench EU importer');
  console.log(`  ${SUPPLIERS} communication files issued in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return files;
}

/** The supplier's installation as the shipments name it, and the CN codes it makes. */
interface Supplier {
  installation: string;
  country: string;
  cnCodes: string[];
}

function shipmentsCsv(suppliers: Supplier[]): string {
  const lines = ['reference,importDate,cn,countryOfOrigin,netMass,unit,installation'];
  for (let n = 0; n < SHIPMENTS; n++) {
    const day = new Date(Date.UTC(YEAR, 0, 1) + Math.floor(rand() * 365) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const ref = `MRN${YEAR}${String(n).padStart(8, '0')}`;
    const mass = decimal(0.5, 80, 3);
    if (n % Math.floor(SHIPMENTS / WITHOUT_DATA) === 0) {
      // No supplier data: the importer declares the default value of the country and CN code.
      lines.push(`${ref},${day},${pick(['25232900', '72081000'])},${pick(COUNTRIES)},${mass},t,`);
      continue;
    }
    const s = suppliers[n % suppliers.length]!;
    lines.push(`${ref},${day},${pick(s.cnCodes)},${s.country},${mass},t,${s.installation}`);
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------- the two measurements

const importerOrg = async (db: Db) =>
  (await db.query<{ id: string }>('SELECT id FROM organisation WHERE slug = $1', [IMPORTER_SLUG]))[0]!.id;

/** The importer's work, timed: files in, shipments in, declaration and its XML out. */
async function ours(
  platform: Platform,
  orgId: string,
  files: Buffer[],
  csv: string,
): Promise<{ ms: number; filesMs: number; shipmentsMs: number; declarationMs: number; check: unknown }> {
  const importer = platform.cbam.importer;
  const t0 = performance.now();
  for (let i = 0; i < files.length; i++)
    await importer.importSupplierFile('system', orgId, files[i]!, `supplier-${i}.json`);
  const t1 = performance.now();
  const shipments = await importer.importShipments('system', orgId, csv);
  const t2 = performance.now();
  const declaration = await importer.declaration('system', orgId, YEAR);
  const xml = await importer.declarationXml('system', orgId, YEAR);
  const t3 = performance.now();
  return {
    ms: t3 - t0,
    filesMs: t1 - t0,
    shipmentsMs: t2 - t1,
    declarationMs: t3 - t2,
    check: { shipments, xmlBytes: xml.length, declaration: summary(declaration) },
  };
}

/** What a run's declaration says in a line (so that the runs can be seen to agree). */
function summary(declaration: unknown): unknown {
  const d = declaration as Record<string, unknown>;
  return d['totals'] ?? d['total'] ?? Object.keys(d);
}

/** The limit: only parsing the same bytes. */
function limit(files: Buffer[], csv: string): { ms: number; sink: number } {
  const t0 = performance.now();
  let sink = 0;
  for (const f of files) sink += (JSON.parse(f.toString('utf8')) as { id: string }).id.length;
  const rows = parse(csv, { bom: true, columns: true, skip_empty_lines: true, trim: true }) as unknown[];
  sink += rows.length;
  return { ms: performance.now() - t0, sink };
}

// ---------------------------------------------------------------- the runs

interface DbResult {
  ms: number[];
  filesMs: number[];
  shipmentsMs: number[];
  declarationMs: number[];
  /** The limit measured right before each run (median of three parses), in the same conditions. */
  limitMs: number[];
  check: unknown;
}

async function runAll(
  open: (run: number) => Promise<{ db: Db; done: () => Promise<void> }>,
  files: Buffer[],
  csv: string,
) {
  const r: DbResult = { ms: [], filesMs: [], shipmentsMs: [], declarationMs: [], limitMs: [], check: null };
  for (let run = 0; run < RUNS; run++) {
    const { db, done } = await open(run);
    try {
      // Migrations are already applied in the template; wire() finds nothing to do.
      const platform = await wire(db, false, silent, testLedger());
      const orgId = await importerOrg(db);
      // On a shared machine the load changes from minute to minute: the limit is measured next to each run.
      r.limitMs.push(median([0, 1, 2].map(() => limit(files, csv).ms)));
      const x = await ours(platform, orgId, files, csv);
      r.ms.push(x.ms);
      r.filesMs.push(x.filesMs);
      r.shipmentsMs.push(x.shipmentsMs);
      r.declarationMs.push(x.declarationMs);
      r.check ??= x.check;
      console.log(
        `  run ${run + 1}: ${fmt(x.ms)} ms, limit ${fmt(r.limitMs.at(-1)!, 1)} ms (files ${fmt(x.filesMs)}, shipments ${fmt(x.shipmentsMs)}, declaration + XML ${fmt(x.declarationMs)})`,
      );
    } finally {
      await done();
    }
  }
  return r;
}

const out = join(root, 'bench', 'out', 'cbam');
mkdirSync(join(out, 'suppliers'), { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'gt-bench-cbam-'));
const results: Record<string, unknown> = {
  suppliers: SUPPLIERS,
  shipments: SHIPMENTS,
  shipmentsWithoutData: WITHOUT_DATA,
  runs: RUNS,
};
try {
  // The same installations on both databases (drawn once), so that both declarations must agree.
  const installations = Array.from({ length: SUPPLIERS }, (_, i) => installationData(i));
  // ---- setup on a PGlite template directory
  console.log(`setup: ${SUPPLIERS} suppliers on PGlite (template data directory)...`);
  const template = join(work, 'template');
  let files: Buffer[];
  {
    const db = await openDb({ dataDir: template });
    try {
      const platform = await wire(db, false, silent, testLedger());
      files = (await exporterSide(db, platform, installations)).map((f) => Buffer.from(f));
    } finally {
      await db.close();
    }
  }
  const suppliers: Supplier[] = files.map((f) => {
    const file = JSON.parse(f.toString('utf8')) as {
      id: string;
      data: { installation: { name: string; country: string } };
      results: { goods: { cn: string }[] };
    };
    return {
      installation: file.data.installation.name,
      country: file.data.installation.country,
      cnCodes: [...new Set(file.results.goods.map((g) => g.cn))],
    };
  });
  const csv = shipmentsCsv(suppliers);
  files.forEach((f, i) => writeFileSync(join(out, 'suppliers', `supplier-${i}.json`), f));
  writeFileSync(join(out, 'shipments.csv'), csv);
  const bytes = files.reduce((a, f) => a + f.length, 0);
  console.log(
    `  files: ${fmt(bytes / 1e6, 1)} MB of JSON, ${fmt(csv.length / 1e6, 2)} MB of CSV (bench/out/cbam/)`,
  );

  // ---- the limit
  const limitMs: number[] = [];
  for (let run = 0; run < Math.max(RUNS, 5); run++) limitMs.push(limit(files, csv).ms);
  const lim = median(limitMs);
  console.log(`limit (JSON.parse + csv-parse only), before the runs: median ${fmt(lim, 1)} ms`);
  results['limit'] = { medianMs: lim, ms: limitMs };

  // ---- ours on PGlite: a copy of the template per run
  console.log(`ours on PGlite: ${RUNS} runs, each on a fresh copy of the template...`);
  const lite = await runAll(
    async (run) => {
      const dir = join(work, `run-${run}`);
      cpSync(template, dir, { recursive: true });
      const db = await openDb({ dataDir: dir });
      return {
        db,
        done: async () => {
          await db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    files,
    csv,
  );
  const ratios: Record<string, number> = {};
  const report = (label: string, key: string, r: DbResult) => {
    const m = median(r.ms);
    const l = median(r.limitMs);
    ratios[`${key}ToLimit`] = m / l;
    results[key] = {
      medianMs: m,
      ms: r.ms,
      limitMedianMs: l,
      limitMs: r.limitMs,
      medianFilesMs: median(r.filesMs),
      medianShipmentsMs: median(r.shipmentsMs),
      medianDeclarationMs: median(r.declarationMs),
      check: r.check,
    };
    console.log(
      `${label}: median ${fmt(m)} ms (files ${fmt(median(r.filesMs))}, shipments ${fmt(median(r.shipmentsMs))}, declaration + XML ${fmt(median(r.declarationMs))}); limit next to the runs: median ${fmt(l, 1)} ms; ours/limit ${fmt(m / l, 1)}`,
    );
  };
  report('ours on PGlite', 'pglite', lite);

  // ---- ours on PostgreSQL, when it answers: the template set up again there
  const admin = new pg.Client({
    connectionString: (() => {
      const u = new URL(PG_URL);
      u.pathname = '/postgres';
      return u.toString();
    })(),
    connectionTimeoutMillis: 5_000,
  });
  let reachable = true;
  try {
    await admin.connect();
  } catch (e) {
    reachable = false;
    console.log(`PostgreSQL at ${new URL(PG_URL).host} does not answer (${(e as Error).message}): skipped`);
  }
  if (reachable) {
    const tag = `${process.pid}_${Date.now().toString(36)}`;
    const tmpl = `gt_bench_cbam_${tag}`;
    const dbUrl = (name: string) => {
      const u = new URL(PG_URL);
      u.pathname = '/' + name;
      return u.toString();
    };
    const made: string[] = [];
    try {
      await admin.query(`CREATE DATABASE "${tmpl}"`);
      made.push(tmpl);
      console.log(`setup: ${SUPPLIERS} suppliers on PostgreSQL (template database)...`);
      let pgFiles: Buffer[];
      {
        const db = await openDb({ databaseUrl: dbUrl(tmpl), maxConnections: 4 });
        try {
          const platform = await wire(db, false, silent, testLedger());
          pgFiles = (await exporterSide(db, platform, installations)).map((f) => Buffer.from(f));
        } finally {
          await db.close();
        }
      }
      // The same shipments, pointing at the same installation names (the files differ only in ids and signatures).
      const version = (
        await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")
      ).rows[0]!.v.split(' ')[0];
      console.log(`ours on PostgreSQL ${version}: ${RUNS} runs, each on a fresh copy of the template...`);
      const server = await runAll(
        async (run) => {
          const name = `${tmpl}_r${run}`;
          await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tmpl}"`);
          made.push(name);
          const db = await openDb({ databaseUrl: dbUrl(name), maxConnections: 4 });
          return {
            db,
            done: async () => {
              await db.close();
              await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
            },
          };
        },
        pgFiles,
        csv,
      );
      report(`ours on PostgreSQL ${version}`, 'postgres', server);
      // Same installations, same shipments: the same declaration, whichever the database.
      const a = JSON.stringify(lite.check);
      const b = JSON.stringify(server.check);
      if (a !== b) {
        console.log(`the two declarations differ:\n  PGlite     ${a}\n  PostgreSQL ${b}`);
        process.exitCode = 1;
      } else console.log(`both databases give the same declaration: ${JSON.stringify(lite.check)}`);
      (results['postgres'] as Record<string, unknown>)['version'] = version;
    } finally {
      for (const name of made.reverse())
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    }
  }
  results['ratios'] = ratios;
  writeResult('cbam', results);
} finally {
  rmSync(work, { recursive: true, force: true });
}
