import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { Decimal } from 'decimal.js';
import { parseCsv } from '../../../kernel/csv.js';
import { AppError } from '../../../kernel/errors.js';
import { parseUnit } from '../../../kernel/units.js';
import {
  FACTOR_CSV_COLUMNS,
  GWP100,
  GwpSet,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  type FactorCsvColumn,
} from './model.js';

/** One factor as imported: decimals as normalised strings, the unit as its canonical symbol. */
export interface FactorInput {
  key: string;
  name: string;
  activity: string;
  unit: string;
  value: string;
  region: string;
  year: number;
  gwpSet: GwpSet | null;
  fossil: string | null;
  biogenic: string | null;
  biogenicRemoval: string | null;
  luc: string | null;
  aircraft: string | null;
  co2: string | null;
  ch4: string | null;
  n2o: string | null;
  otherGhg: string | null;
  source: string;
  licence: string;
  dq: [number | null, number | null, number | null, number | null, number | null];
  tags: string[];
}

export interface ParsedFactors {
  factors: FactorInput[];
  /** SHA-256 of the RFC 8785 canonical JSON of the factors sorted by key: same content, same hash. */
  checksum: string;
}

/** One problem, where it is: a CSV line (1 is the header) or a JSON item (1-based), and the column. */
export interface ImportProblem {
  line: number;
  field: string;
  message: string;
}

/** After this many problems the rest of the file is not looked at: the first ones are enough to fix. */
export const MAX_PROBLEMS = 50;

const KEY = /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}$/;
const ACTIVITY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;
// ISO 3166-1 alpha-2 (and EU), GLO for global, or a grid zone under a country (CN-NCPG, US-CAL-CISO).
const REGION = /^(GLO|[A-Z]{2}|[A-Z]{2}(-[A-Z0-9]{1,10}){1,2})$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;
const SPLIT = ['fossil', 'biogenic', 'luc', 'aircraft'] as const;
/** Relative tolerance of the consistency checks (value against gases, value against its split). */
const TOLERANCE = new Decimal('0.005');

class Problems {
  readonly list: ImportProblem[] = [];
  add(line: number, field: string, message: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push({ line, field, message });
  }
  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS;
  }
}

const within = (a: Decimal, b: Decimal): boolean =>
  a.minus(b).abs().lte(Decimal.max(a.abs(), b.abs()).times(TOLERANCE));

/** Checks and normalises one record (CSV row or JSON object, values as text); problems go to `p`. */
function parseRecord(
  r: Record<string, string>,
  line: number,
  p: Problems,
  defaults: { source: string; licence: string },
): FactorInput | null {
  const before = p.list.length;
  const text = (c: FactorCsvColumn) => (r[c] ?? '').trim();
  const decimal = (c: FactorCsvColumn, required = false): string | null => {
    const v = text(c);
    if (v === '') {
      if (required) p.add(line, c, 'required');
      return null;
    }
    if (!DECIMAL.test(v) || v.replace(/[^0-9]/g, '').length > 40) {
      p.add(line, c, `"${v}" is not a decimal number`);
      return null;
    }
    return new Decimal(v).toFixed();
  };
  const rating = (c: FactorCsvColumn): number | null => {
    const v = text(c);
    if (v === '') return null;
    if (!/^[123]$/.test(v)) {
      p.add(line, c, `"${v}" is not a data-quality rating (1, 2 or 3)`);
      return null;
    }
    return Number(v);
  };

  const key = text('key');
  if (!KEY.test(key))
    p.add(line, 'key', key ? `"${key}": letters, digits and . _ : / + - only, up to 200` : 'required');
  const name = text('name');
  if (!name || name.length > 500) p.add(line, 'name', name ? 'over 500 characters' : 'required');
  const activity = text('activity');
  if (!ACTIVITY.test(activity))
    p.add(
      line,
      'activity',
      activity ? `"${activity}": letters, digits, dots, dashes (fuel.natural-gas)` : 'required',
    );
  const unitText = text('unit');
  const unit = parseUnit(unitText);
  if (!unit) p.add(line, 'unit', unitText ? `unknown unit "${unitText}"` : 'required');
  const value = decimal('value', true);
  const region = text('region');
  if (!REGION.test(region))
    p.add(
      line,
      'region',
      region ? `"${region}": an ISO 3166 alpha-2 code, GLO, or a grid zone such as CN-NCPG` : 'required',
    );
  const yearText = text('year');
  const year = /^\d{4}$/.test(yearText) ? Number(yearText) : NaN;
  if (!(year >= 1990 && year <= 2100))
    p.add(line, 'year', yearText ? `"${yearText}" is not a year from 1990 to 2100` : 'required');
  const gwpText = text('gwp_set');
  const gwp = gwpText ? GwpSet.safeParse(gwpText) : null;
  if (gwp && !gwp.success) p.add(line, 'gwp_set', `"${gwpText}": AR4, AR5 or AR6`);
  const gwpSet = gwp?.success ? gwp.data : null;
  const split = Object.fromEntries(SPLIT.map((c) => [c, decimal(c)])) as Record<
    (typeof SPLIT)[number],
    string | null
  >;
  const biogenicRemoval = decimal('biogenic_removal');
  if (biogenicRemoval !== null && new Decimal(biogenicRemoval).gt(0))
    p.add(line, 'biogenic_removal', 'a removal is negative or zero');
  const co2 = decimal('co2');
  const ch4 = decimal('ch4');
  const n2o = decimal('n2o');
  const otherGhg = decimal('other_ghg');
  const dq = [
    rating('dq_technological'),
    rating('dq_temporal'),
    rating('dq_geographical'),
    rating('dq_completeness'),
    rating('dq_reliability'),
  ] as FactorInput['dq'];
  const tags = text('tags')
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length > 30 || tags.some((t) => t.length > 60))
    p.add(line, 'tags', 'at most 30 tags of up to 60 characters each');
  const source = text('source') || defaults.source;
  const licence = text('licence') || defaults.licence;
  if (source.length > 500) p.add(line, 'source', 'over 500 characters');
  if (licence.length > 200) p.add(line, 'licence', 'over 200 characters');

  const gases = [co2, ch4, n2o, otherGhg];
  if (gases.some((g) => g !== null) && value !== null) {
    if (!gwpText) p.add(line, 'gwp_set', 'required when gases are given (AR4, AR5 or AR6)');
    else if (gwpSet) {
      // A factor stating its gases must add up: value ≈ co2 + ch4·GWP + n2o·GWP + other_ghg.
      const gwps = GWP100[gwpSet];
      const sums = gwps.ch4.map((ch4Gwp) =>
        new Decimal(co2 ?? 0)
          .plus(new Decimal(ch4 ?? 0).times(ch4Gwp))
          .plus(new Decimal(n2o ?? 0).times(gwps.n2o))
          .plus(otherGhg ?? 0),
      );
      if (!sums.some((s) => within(s, new Decimal(value))))
        p.add(
          line,
          'value',
          `${value} does not match the gases with ${gwpSet} GWPs (${sums[0]!.toFixed()}; 0.5% tolerance)`,
        );
    }
  }
  const given = SPLIT.filter((c) => split[c] !== null);
  if (given.length > 0 && value !== null) {
    const sum = given.reduce((s, c) => s.plus(split[c]!), new Decimal(0));
    if (!within(sum, new Decimal(value)))
      p.add(
        line,
        'value',
        `${value} is not the sum of fossil, biogenic, luc and aircraft (${sum.toFixed()}; 0.5% tolerance)`,
      );
  }
  if (p.list.length > before || p.full) return null;
  return {
    key,
    name,
    activity,
    unit: unit!.symbol,
    value: value!,
    region,
    year,
    gwpSet,
    fossil: split.fossil,
    biogenic: split.biogenic,
    biogenicRemoval,
    luc: split.luc,
    aircraft: split.aircraft,
    co2,
    ch4,
    n2o,
    otherGhg,
    source,
    licence,
    dq,
    tags,
  };
}

function fail(what: string, problems: ImportProblem[], unit: 'line' | 'item'): never {
  const shown = problems
    .slice(0, 10)
    .map((x) => `${unit} ${x.line} ${x.field}: ${x.message}`)
    .join('; ');
  throw new AppError(
    'validation_failed',
    `${what}: ${problems.length}${problems.length >= MAX_PROBLEMS ? '+' : ''} problem(s); nothing imported. ${shown}`,
    {
      field: problems[0] ? `content.${unit}.${problems[0].line}.${problems[0].field}` : 'content',
      details: { problems },
    },
  );
}

function finish(
  what: string,
  rows: { line: number; record: Record<string, string> }[],
  unit: 'line' | 'item',
  defaults: { source: string; licence: string },
): ParsedFactors {
  if (rows.length === 0) throw new AppError('validation_failed', `${what}: no factors`, { field: 'content' });
  if (rows.length > MAX_IMPORT_ROWS)
    throw new AppError(
      'payload_too_large',
      `${what}: ${rows.length} factors; at most ${MAX_IMPORT_ROWS} in one release`,
      { field: 'content' },
    );
  const p = new Problems();
  const factors: FactorInput[] = [];
  const seen = new Map<string, number>();
  for (const { line, record } of rows) {
    if (p.full) break;
    const f = parseRecord(record, line, p, defaults);
    const key = (record['key'] ?? '').trim();
    const first = seen.get(key);
    if (key && first !== undefined) p.add(line, 'key', `duplicate key "${key}" (first on ${unit} ${first})`);
    else if (key) seen.set(key, line);
    if (f) factors.push(f);
  }
  if (p.list.length > 0) fail(what, p.list, unit);
  factors.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const checksum = createHash('sha256')
    .update(canonicalize(factors) ?? '')
    .digest('hex');
  return { factors, checksum };
}

function checkSize(content: string, what: string): void {
  if (Buffer.byteLength(content, 'utf8') > MAX_IMPORT_BYTES)
    throw new AppError('payload_too_large', `${what}: over ${MAX_IMPORT_BYTES} bytes`, { field: 'content' });
}

/** Parses a factor CSV (header exactly FACTOR_CSV_COLUMNS); every problem is named by line and column. */
export function parseFactorCsv(
  content: string,
  what = 'factors',
  defaults = { source: '', licence: '' },
): ParsedFactors {
  checkSize(content, what);
  const header = (content.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '')
    .split(',')
    .map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  const missing = FACTOR_CSV_COLUMNS.filter((c) => !header.includes(c));
  const extra = header.filter((h) => !(FACTOR_CSV_COLUMNS as readonly string[]).includes(h));
  if (missing.length > 0 || extra.length > 0)
    fail(
      what,
      [
        ...missing.map((c) => ({ line: 1, field: c, message: 'missing column' })),
        ...extra.map((c) => ({ line: 1, field: c || '(empty)', message: 'unknown column' })),
      ],
      'line',
    );
  return finish(what, parseCsv(content, what), 'line', defaults);
}

/** Parses a JSON array of objects with the CSV's keys (values as strings, numbers or null). */
export function parseFactorJson(
  content: string,
  what = 'factors',
  defaults = { source: '', licence: '' },
): ParsedFactors {
  checkSize(content, what);
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (e) {
    throw new AppError('validation_failed', `${what}: not JSON: ${(e as Error).message}`, {
      field: 'content',
    });
  }
  if (!Array.isArray(data))
    throw new AppError('validation_failed', `${what}: a JSON array of factors is expected`, {
      field: 'content',
    });
  const p = new Problems();
  const rows = data.map((item: unknown, i) => {
    const record: Record<string, string> = {};
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      p.add(i + 1, '(item)', 'an object is expected');
      return { line: i + 1, record };
    }
    for (const [k, v] of Object.entries(item)) {
      if (!(FACTOR_CSV_COLUMNS as readonly string[]).includes(k)) p.add(i + 1, k, 'unknown field');
      else if (k === 'tags' && Array.isArray(v) && v.every((t) => typeof t === 'string'))
        record[k] = v.join(';');
      else if (typeof v === 'string') record[k] = v;
      // A JSON number prints as the shortest text that reads back the same double: no added digits.
      else if (typeof v === 'number' && Number.isFinite(v)) record[k] = String(v);
      else if (v !== null) p.add(i + 1, k, 'a string, a number or null is expected');
    }
    return { line: i + 1, record };
  });
  if (p.list.length > 0) fail(what, p.list, 'item');
  return finish(what, rows, 'item', defaults);
}

export const parseFactors = (
  format: 'csv' | 'json',
  content: string,
  what?: string,
  defaults?: { source: string; licence: string },
): ParsedFactors =>
  format === 'csv' ? parseFactorCsv(content, what, defaults) : parseFactorJson(content, what, defaults);
