import { parseCsv, requireColumns } from '../../../kernel/csv.js';
import { AppError } from '../../../kernel/errors.js';
import { ExternalProject, MAX_EXTERNAL_ROWS } from './model.js';

const COLUMNS = ['registry', 'id', 'name', 'country', 'sector', 'start', 'end', 'lat', 'lon'] as const;

const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? null : Number(s));
const text = (s: string | undefined) => (s === undefined || s.trim() === '' ? null : s.trim());

/**
 * A list of projects registered elsewhere: CSV with the header
 * `registry,id,name,country,sector,start,end,lat,lon`, or a JSON array of such objects.
 * A bad row is refused with its line (CSV) or index (JSON) and nothing is imported.
 */
export function parseExternalProjects(body: string, format: 'csv' | 'json'): ExternalProject[] {
  let raw: { where: string; value: unknown }[];
  if (format === 'csv') {
    const rows = parseCsv(body, 'external projects');
    requireColumns(rows, COLUMNS, 'external projects');
    raw = rows.map(({ line, record: r }) => ({
      where: `line ${line}`,
      value: {
        registry: r['registry'],
        id: r['id'],
        name: r['name'],
        country: r['country']?.toUpperCase(),
        sector: r['sector'],
        start: text(r['start']),
        end: text(r['end']),
        lat: num(r['lat']),
        lon: num(r['lon']),
      },
    }));
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      throw new AppError('bad_request', `external projects: not JSON (${(e as Error).message})`, {
        field: 'file',
      });
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { projects?: unknown })?.projects;
    if (!Array.isArray(list))
      throw new AppError(
        'bad_request',
        'external projects: a JSON array (or {"projects": [...]}) is needed',
        {
          field: 'file',
        },
      );
    raw = list.map((value, i) => ({ where: `row ${i}`, value }));
  }
  if (raw.length === 0) throw new AppError('bad_request', 'external projects: no rows', { field: 'file' });
  if (raw.length > MAX_EXTERNAL_ROWS)
    throw new AppError('bad_request', `external projects: more than ${MAX_EXTERNAL_ROWS} rows`, {
      field: 'file',
    });
  return raw.map(({ where, value }) => {
    const r = ExternalProject.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new AppError(
        'bad_request',
        `external projects, ${where}: ${issue.path.join('.')}: ${issue.message}`,
        {
          field: issue.path.join('.'),
          details: { row: where },
        },
      );
    }
    if ((r.data.lat == null) !== (r.data.lon == null) || Number.isNaN(r.data.lat) || Number.isNaN(r.data.lon))
      throw new AppError('bad_request', `external projects, ${where}: give both lat and lon or neither`, {
        field: 'lat',
        details: { row: where },
      });
    if (r.data.start && r.data.end && r.data.start > r.data.end)
      throw new AppError('bad_request', `external projects, ${where}: start is after end`, {
        field: 'start',
        details: { row: where },
      });
    return r.data;
  });
}
