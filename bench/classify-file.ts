// File classification throughput on a generated CSV (default 5,000,000 rows), against the I/O
// limit (reading the file; reading and writing it unchanged) and against a csv-parse peer.
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { openDb } from '../src/db/index.js';
import { classifyFile } from '../src/modules/classification/index.js';
import { matchCode, type CompiledList } from '../src/modules/classification/matcher.js';
import { wire } from '../src/platform.js';
import { fmt, median, prng, root, writeResult } from './lib.js';

const arg = (name: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const ROWS = arg('rows', 5_000_000);
const RUNS = arg('runs', 3);
const PEER_ROWS = Math.min(ROWS, 1_000_000);

async function generate(file: string): Promise<void> {
  const codes = readFileSync(join(root, 'data', 'hs2022', 'harmonized-system.csv'), 'utf8')
    .split('\n')
    .map((l) => l.split(','))
    .filter((f) => f.at(-1)?.trim() === '6' && /^\d{6}$/.test(f[1] ?? ''))
    .map((f) => f[1]!);
  const rand = prng(2022);
  // National tariff lines (CN-style 8 digits): a fixed pool of 10,000, about the size of a real tariff.
  const lines = Array.from(
    { length: 10_000 },
    () => codes[Math.floor(rand() * codes.length)]! + String(Math.floor(rand() * 90) + 10),
  );
  const partners = ['DEU', 'USA', 'FRA', 'NLD', 'JPN', 'KOR', 'VNM', 'BRA', 'IND', 'ZAF'];
  const tmp = file + '.tmp';
  const out = createWriteStream(tmp);
  out.write('id,reporter,partner,year,hs_code,value_usd\n');
  let buf = '';
  for (let i = 1; i <= ROWS; i++) {
    let code = codes[Math.floor(rand() * codes.length)]!;
    const r = rand();
    if (r < 0.1) code = lines[Math.floor(rand() * lines.length)]!;
    else if (r < 0.15) code = `${code.slice(0, 4)}.${code.slice(4)}`;
    buf += `${i},CHN,${partners[i % 10]},2024,${code},${(rand() * 1e6).toFixed(2)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r2) => out.once('drain', () => r2()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on('finish', () => r()));
  renameSync(tmp, file);
}

async function readOnly(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  return lines - 1;
}

/** Reading the CSV with no classification: every line found and its hs_code field located. */
async function readRows(file: string, column: number): Promise<number> {
  let rows = 0;
  let fields = 0;
  let rest: Buffer | undefined;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      let field = 0;
      for (let i = start; i < nl && field < column; i++) if (buf[i] === 44) field++;
      fields += field;
      rows++;
      start = nl + 1;
    }
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  }
  if (fields < 0) throw new Error('unreachable');
  return rows - 1;
}

const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

/** The peer: csv-parse's streaming parser, the same memoised classification, joined by hand. */
async function csvParsePeer(file: string, out: string, lists: readonly CompiledList[]): Promise<number> {
  const memo = new Map<string, string>();
  const w = createWriteStream(out);
  let n = 0;
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ to_line: PEER_ROWS + 1 }));
  let buf = '';
  for await (const rec of parser as AsyncIterable<string[]>) {
    if (n++ === 0) continue;
    const raw = rec[4]!;
    let s = memo.get(raw);
    if (s === undefined) {
      const code = raw.replace('.', '');
      s = lists.map((l) => matchCode(l, code).status).join(',');
      memo.set(raw, s);
    }
    buf += rec.join(',') + ',' + s + '\n';
    if (buf.length > 1 << 20) {
      if (!w.write(buf)) await new Promise<void>((r) => w.once('drain', () => r()));
      buf = '';
    }
  }
  w.end(buf);
  await new Promise<void>((r) => w.on('finish', () => r()));
  return n - 1;
}

const file = join(tmpdir(), `greentrade-bench-v2-${ROWS}.csv`);
if (!existsSync(file)) {
  console.log(`generating ${fmt(ROWS)} rows into ${file} ...`);
  await generate(file);
}
const mb = statSync(file).size / 1e6;
const db = await openDb({});
const platform = await wire(db, false);
const lists = await platform.classification.matchers('system');
await platform.close();

const out = join(tmpdir(), 'greentrade-bench-out.csv');
const t: Record<string, number[]> = { read: [], rows: [], copy: [], classify: [], peer: [] };
let counted = 0;
let classified = 0;
for (let i = 0; i < RUNS; i++) {
  t['read']!.push(await time(async () => (counted = await readOnly(file))));
  t['rows']!.push(await time(() => readRows(file, 4)));
  t['copy']!.push(
    await time(() => pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), createWriteStream(out))),
  );
  t['classify']!.push(
    await time(
      async () =>
        (classified = (await classifyFile({ input: file, output: out, column: 'hs_code', lists })).rows),
    ),
  );
  t['peer']!.push(await time(() => csvParsePeer(file, out + '.peer', lists)));
}
if (counted !== ROWS || classified !== ROWS)
  throw new Error(`row counts differ: file ${counted}, classified ${classified}, expected ${ROWS}`);
if ((await readOnly(out)) !== ROWS)
  throw new Error('the classified file does not have one row per input row');
unlinkSync(out);
unlinkSync(out + '.peer');

const rps = (rows: number, s: number) => rows / s;
const r = {
  read: rps(ROWS, median(t['read']!)),
  rows: rps(ROWS, median(t['rows']!)),
  copy: rps(ROWS, median(t['copy']!)),
  classify: rps(ROWS, median(t['classify']!)),
  peer: rps(PEER_ROWS, median(t['peer']!)),
};
console.log(
  `file classification: ${fmt(ROWS)} rows, ${fmt(mb)} MB, ${lists.length} lists, median of ${RUNS} runs`,
);
console.log(`  I/O limit, read only           ${fmt(r.read).padStart(12)} rows/s`);
console.log(`  I/O limit, read + write        ${fmt(r.copy).padStart(12)} rows/s`);
console.log(`  reading the CSV rows, no class.${fmt(r.rows).padStart(12)} rows/s`);
console.log(`  greentrade classify --file     ${fmt(r.classify).padStart(12)} rows/s`);
console.log(`  peer: csv-parse (${fmt(PEER_ROWS)} rows)  ${fmt(r.peer).padStart(12)} rows/s`);
console.log(`  ratio classify / read only:    ${fmt(r.classify / r.read, 2)}`);
console.log(`  ratio classify / read + write: ${fmt(r.classify / r.copy, 2)}`);
console.log(
  `  ratio classify / reading rows: ${fmt(r.classify / r.rows, 2)}  (the issue's goal: at least 0.5)`,
);
console.log(`  ratio classify / csv-parse:    ${fmt(r.classify / r.peer, 2)}`);
writeResult('classify-file', {
  rows: ROWS,
  megabytes: mb,
  lists: lists.map((l) => l.slug),
  secondsPerRun: t,
  rowsPerSecond: r,
  ratios: {
    classifyToReadingRows: r.classify / r.rows,
    classifyToRead: r.classify / r.read,
    classifyToReadWrite: r.classify / r.copy,
    classifyToCsvParse: r.classify / r.peer,
  },
});
