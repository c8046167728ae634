// Checks of a supplier's communication file before it is kept: schema, units and ranges,
// completeness. Pure functions over the parsed file, the scope answers and the year's rules; the
// signature and key pinning are the service's (they need the communication part and the database).
import { Decimal } from 'decimal.js';
import { z } from '@hono/zod-openapi';
import type { RulesSnapshot, ScopeAnswer } from '../contract.js';
import { CnCode, COMMUNICATION_FORMAT, Dec, InstallationData, type CbamSector } from '../model.js';
import type { SupplierGood } from './aggregate.js';

/** Specific embedded emissions at or above this (t CO2e per t of good) are refused as implausible. */
export const MAX_SEE = '100';

export interface Issue {
  field: string;
  message: string;
}

const Good = z.object({
  cn: CnCode,
  seeDirect: Dec.optional(),
  seeIndirect: Dec.nullish(),
  seeTotal: Dec.nullish(),
  source: z.enum(['actual', 'default']).optional(),
  sector: z.string().nullish(),
  route: z.string().max(64).nullish(),
});

const zodIssues = (prefix: string, e: z.ZodError): Issue[] =>
  e.issues.slice(0, 20).map((i) => {
    const field = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return { field, message: `${field}: ${i.message}` };
  });

export interface ParsedFile {
  data: InstallationData;
  /** Goods as the file states them; validated further by checkFigures. */
  goods: z.infer<typeof Good>[];
  proof: unknown;
}

/** Step 1, schema: the format, the installation data, the goods of the results. */
export function checkSchema(raw: unknown): { parsed: ParsedFile | null; issues: Issue[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return {
      parsed: null,
      issues: [{ field: 'file', message: 'file: not a communication file (a JSON object)' }],
    };
  const f = raw as Record<string, unknown>;
  if (f['format'] !== COMMUNICATION_FORMAT)
    return {
      parsed: null,
      issues: [
        {
          field: 'format',
          message: `format: expected "${COMMUNICATION_FORMAT}", found ${JSON.stringify(f['format'] ?? null)}`,
        },
      ],
    };
  const issues: Issue[] = [];
  const data = InstallationData.safeParse(f['data']);
  if (!data.success) issues.push(...zodIssues('data', data.error));
  const results = f['results'] as Record<string, unknown> | null | undefined;
  const goodsRaw = results && typeof results === 'object' ? results['goods'] : undefined;
  if (!Array.isArray(goodsRaw) || goodsRaw.length === 0)
    issues.push({
      field: 'results.goods',
      message: 'results.goods: the file gives no specific embedded emissions per good',
    });
  const goods: z.infer<typeof Good>[] = [];
  if (Array.isArray(goodsRaw)) {
    if (goodsRaw.length > 2000)
      issues.push({ field: 'results.goods', message: 'results.goods: over 2000 goods' });
    else
      goodsRaw.forEach((g, i) => {
        const r = Good.safeParse(g);
        if (r.success) goods.push(r.data);
        else issues.push(...zodIssues(`results.goods.${i}`, r.error));
      });
  }
  if (issues.length > 0 || !data.success) return { parsed: null, issues };
  return { parsed: { data: data.data, goods, proof: f['proof'] }, issues };
}

/** Every CN code the file names (goods and processes), for scope look-ups. */
export const cnCodesOf = (p: ParsedFile): string[] => [
  ...new Set([...p.goods.map((g) => g.cn), ...p.data.processes.flatMap((pr) => pr.cnCodes)]),
];

/**
 * Steps 2 and 3, units and ranges, completeness. Returns the goods as kept (with their sector)
 * and the issues; `scope` answers every code of cnCodesOf.
 */
export function checkFigures(
  p: ParsedFile,
  scope: ReadonlyMap<string, ScopeAnswer>,
  snapshot: RulesSnapshot,
): { goods: SupplierGood[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const max = new Decimal(MAX_SEE);
  const outOfScope = (cn: string, field: string) => {
    const a = scope.get(cn);
    if (a && !a.inScope)
      issues.push({ field, message: `${field}: CN ${cn} is not a CBAM good (${a.reason})` });
  };
  p.data.processes.forEach((pr, i) => {
    if (!new Decimal(pr.production).gt(0))
      issues.push({
        field: `data.processes.${i}.production`,
        message: `data.processes.${i}.production: process "${pr.id}" has production ${pr.production}; it must be above 0`,
      });
    pr.cnCodes.forEach((cn, j) => outOfScope(cn, `data.processes.${i}.cnCodes.${j}`));
  });
  const goods: SupplierGood[] = [];
  p.goods.forEach((g, i) => {
    const at = `results.goods.${i}`;
    outOfScope(g.cn, `${at}.cn`);
    const sector = (scope.get(g.cn)?.sector ?? g.sector ?? null) as CbamSector | null;
    if (g.seeDirect === undefined) {
      issues.push({
        field: `${at}.seeDirect`,
        message: `${at}.seeDirect: CN ${g.cn} has no direct specific embedded emissions`,
      });
      return;
    }
    for (const [k, v] of [
      ['seeDirect', g.seeDirect],
      ['seeIndirect', g.seeIndirect],
    ] as const)
      if (v !== undefined && v !== null && new Decimal(v).gte(max))
        issues.push({
          field: `${at}.${k}`,
          message: `${at}.${k}: ${v} t CO2e/t for CN ${g.cn} is not plausible (must be below ${MAX_SEE})`,
        });
    if (sector && snapshot.countsIndirect(sector) && (g.seeIndirect === undefined || g.seeIndirect === null))
      issues.push({
        field: `${at}.seeIndirect`,
        message: `${at}.seeIndirect: CN ${g.cn} (${sector}) needs indirect emissions, which count for ${sector} in ${snapshot.year}`,
      });
    const indirect = g.seeIndirect ?? null;
    goods.push({
      cn: g.cn,
      sector,
      seeDirect: g.seeDirect,
      seeIndirect: indirect,
      seeTotal: g.seeTotal ?? new Decimal(g.seeDirect).plus(indirect ?? 0).toFixed(),
      source: g.source ?? 'actual',
      route: g.route ?? null,
    });
  });
  const stated = new Set(p.goods.map((g) => g.cn));
  p.data.processes.forEach((pr, i) =>
    pr.cnCodes.forEach((cn, j) => {
      if (!stated.has(cn))
        issues.push({
          field: `data.processes.${i}.cnCodes.${j}`,
          message: `data.processes.${i}.cnCodes.${j}: process "${pr.id}" produces CN ${cn}, but results.goods gives no embedded emissions for it`,
        });
    }),
  );
  return { goods, issues };
}
