// The CBAM rules shipped in data/cbam/*.csv, checked row by row and loaded into the cbam_* tables.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { Db, Queryable } from '../../../db/index.js';
import { AppError } from '../../../kernel/errors.js';
import { dataFile } from '../../../kernel/paths.js';
import { CBAM_SECTORS } from '../model.js';

const Sector = z.enum(CBAM_SECTORS);
const Year = z.coerce.number().int().min(2000).max(2100);
const OptYear = z
  .string()
  .trim()
  .transform((v) => (v === '' ? null : Number(v)))
  .refine((v) => v === null || (Number.isInteger(v) && v >= 2000 && v <= 2100), {
    message: 'a year or empty',
  });
const Decimal = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'a non-negative decimal number');
const Text = z.string().trim().min(1).max(1000);
const Slug = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]*$/, 'a lower-case identifier');
const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const Status = z.enum(['published', 'provisional']);
const CnPrefix = z
  .string()
  .trim()
  .regex(/^(\d{4}|\d{6}|\d{8})$/, 'a CN code or prefix of 4, 6 or 8 digits');
const list = (sep: string) => (v: string) =>
  v
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);

export const CategoryRow = z.object({
  category: Slug,
  sector: Sector,
  name: Text,
  cn_prefixes: z.string().transform(list(' ')).pipe(z.array(CnPrefix).min(1)),
  routes: z.string().transform(list(';')).pipe(z.array(Slug)),
});
export const CoverageRow = z.object({
  sector: Sector,
  from_year: Year,
  to_year: OptYear,
  direct: Bool,
  indirect: Bool,
  source: Text,
});
export const MarkupRow = z.object({
  sector: z.union([Sector, z.literal('*')]),
  from_year: Year,
  to_year: OptYear,
  markup: Decimal,
  source: Text,
});
export const FreeAllocationRow = z.object({
  year: Year,
  share: Decimal.refine((v) => Number(v) <= 1, 'a share from 0 to 1'),
  source: Text,
});
export const DeMinimisRow = z.object({
  from_year: Year,
  to_year: OptYear,
  threshold_tonnes: z
    .string()
    .trim()
    .transform((v) => (v === '' ? null : v))
    .pipe(Decimal.nullable()),
  excluded_sectors: z.string().transform(list(';')).pipe(z.array(Sector)),
  source: Text,
});
export const DefaultRow = z.object({
  country: z
    .string()
    .trim()
    .regex(/^([A-Z]{2}|OTHER)$/, 'an ISO alpha-2 code or OTHER'),
  cn: CnPrefix,
  direct: Decimal,
  indirect: Decimal,
  from_year: Year,
  to_year: OptYear,
  status: Status,
  source: Text,
});
export const GridRow = z.object({
  country: z
    .string()
    .trim()
    .regex(/^([A-Z]{2}|GLO|EU)$/, 'an ISO alpha-2 code, GLO or EU'),
  factor: Decimal,
  year: Year,
  source: Text,
});
export const RangeRow = z.object({
  category: Slug,
  route: z.union([Slug, z.literal('')]),
  min: Decimal,
  max: Decimal,
  source: Text,
});
export const BenchmarkRow = z.object({
  category: Slug,
  route: z.union([Slug, z.literal('')]),
  benchmark: Text,
  value: Decimal,
  from_year: Year,
  to_year: OptYear,
  status: Status,
  source: Text,
});

/** The shipped files and the schema each row must meet. */
export const RULE_FILES = {
  categories: { file: 'categories.csv', row: CategoryRow },
  coverage: { file: 'coverage.csv', row: CoverageRow },
  markups: { file: 'markups.csv', row: MarkupRow },
  freeAllocation: { file: 'free-allocation.csv', row: FreeAllocationRow },
  deMinimis: { file: 'de-minimis.csv', row: DeMinimisRow },
  defaults: { file: 'defaults.csv', row: DefaultRow },
  grid: { file: 'grid-factors.csv', row: GridRow },
  ranges: { file: 'plausible-ranges.csv', row: RangeRow },
  benchmarks: { file: 'benchmarks.csv', row: BenchmarkRow },
} as const;
type Files = typeof RULE_FILES;
export type RuleData = { [K in keyof Files]: z.infer<Files[K]['row']>[] };

/** Parses one rules CSV; a bad row stops with the file and line named. */
export function parseRuleCsv<S extends z.ZodType>(text: string, name: string, row: S): z.infer<S>[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, bom: true });
  } catch (e) {
    throw new AppError('bad_request', `data/cbam/${name}: ${(e as Error).message}`, { field: name });
  }
  return records.map((r, i) => {
    const parsed = row.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      // Line 1 is the header.
      throw new AppError(
        'bad_request',
        `data/cbam/${name} line ${i + 2}: ${issue.path.join('.') || 'row'}: ${issue.message}`,
        { field: `${name}:${i + 2}` },
      );
    }
    return parsed.data;
  });
}

/** Reads and checks every shipped rules file, with one hash over all of them. */
export function readRuleFiles(dir: (name: string) => string = (n) => dataFile('cbam', n)): {
  data: RuleData;
  hash: string;
} {
  const hash = createHash('sha256');
  const data = {} as Record<string, unknown[]>;
  for (const [key, { file, row }] of Object.entries(RULE_FILES)) {
    const text = readFileSync(dir(file), 'utf8');
    hash.update(file).update('\0').update(text).update('\0');
    data[key] = parseRuleCsv(text, file, row);
  }
  return { data: data as RuleData, hash: hash.digest('hex') };
}

/**
 * Each rules table, the file it is loaded from and its columns; a column takes the file's field of
 * the same name, but for `[column, field]` pairs.
 */
const TABLES: { table: string; rows: keyof RuleData; columns: (string | [string, string])[] }[] = [
  {
    table: 'cbam_goods_category',
    rows: 'categories',
    columns: [['code', 'category'], 'sector', 'name', 'cn_prefixes', 'routes'],
  },
  {
    table: 'cbam_coverage',
    rows: 'coverage',
    columns: ['sector', 'from_year', 'to_year', 'direct', 'indirect', 'source'],
  },
  { table: 'cbam_markup', rows: 'markups', columns: ['sector', 'from_year', 'to_year', 'markup', 'source'] },
  { table: 'cbam_free_allocation', rows: 'freeAllocation', columns: ['year', 'share', 'source'] },
  {
    table: 'cbam_de_minimis',
    rows: 'deMinimis',
    columns: ['from_year', 'to_year', 'threshold_tonnes', 'excluded_sectors', 'source'],
  },
  {
    table: 'cbam_default_value',
    rows: 'defaults',
    columns: ['country', 'cn', 'direct', 'indirect', 'from_year', 'to_year', 'status', 'source'],
  },
  { table: 'cbam_grid_factor', rows: 'grid', columns: ['country', 'factor', 'year', 'source'] },
  {
    table: 'cbam_plausible_range',
    rows: 'ranges',
    columns: ['category', 'route', 'min', 'max', 'source'],
  },
  {
    table: 'cbam_benchmark',
    rows: 'benchmarks',
    columns: ['category', 'route', 'benchmark', 'value', 'from_year', 'to_year', 'status', 'source'],
  },
];

async function insertRows(tx: Queryable, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  // Chunks keep the parameter count well under PostgreSQL's limit of 65535.
  const per = Math.max(1, Math.floor(5000 / columns.length));
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const params: unknown[] = [];
    const values = chunk.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
    await tx.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params);
  }
}

async function writeAll(tx: Queryable, d: RuleData): Promise<void> {
  for (const { table } of TABLES) await tx.query(`DELETE FROM ${table}`);
  for (const { table, rows, columns } of TABLES) {
    const pairs = columns.map((c) => (typeof c === 'string' ? [c, c] : c));
    await insertRows(
      tx,
      table,
      pairs.map(([column]) => column!),
      (d[rows] as Record<string, unknown>[]).map((r) => pairs.map(([, field]) => r[field!])),
    );
  }
}

/**
 * Loads data/cbam/*.csv into the cbam_* tables, at start or on first use. Idempotent: when the
 * files hash as last time, nothing is written; otherwise all rule tables are replaced in one
 * transaction (nothing else points at their rows). A bad row stops it, naming file and line.
 * Returns what it loaded, e.g. ["cbam-rules@3f2a…"], or [] when unchanged.
 */
export async function loadCbamRules(db: Db, files?: { data: RuleData; hash: string }): Promise<string[]> {
  const { data, hash } = files ?? readRuleFiles();
  const current = await db.query<{ content_hash: string }>(
    'SELECT content_hash FROM cbam_rules_load WHERE id = 1',
  );
  if (current[0]?.content_hash === hash) return [];
  return db.transaction(async (tx) => {
    // Two servers starting on one database: the second waits, then finds the rules loaded.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('greentrade.cbam-rules'))");
    const again = await tx.query<{ content_hash: string }>(
      'SELECT content_hash FROM cbam_rules_load WHERE id = 1',
    );
    if (again[0]?.content_hash === hash) return [];
    await writeAll(tx, data);
    await tx.query(
      `INSERT INTO cbam_rules_load (id, content_hash, loaded_at) VALUES (1, $1, now())
       ON CONFLICT (id) DO UPDATE SET content_hash = EXCLUDED.content_hash, loaded_at = now()`,
      [hash],
    );
    return [`cbam-rules@${hash.slice(0, 12)}`];
  });
}
