import type { Queryable } from '../../../db/index.js';
import type { PriceKind, PricePeriod } from './calc.js';

export interface StoredPrice extends PricePeriod {
  importedAt: string;
}

/** Writes the periods, replacing any the organisation already had for the same period. */
export async function upsertPrices(
  tx: Queryable,
  orgId: string,
  prices: readonly PricePeriod[],
  actor: string,
): Promise<void> {
  // One statement per 500 rows keeps parameter counts well under PostgreSQL's 65,535.
  for (let i = 0; i < prices.length; i += 500) {
    const chunk = prices.slice(i, i + 500);
    const params: unknown[] = [orgId, actor];
    const values = chunk.map((p) => {
      params.push(p.periodStart, p.periodEnd, p.priceEur, p.kind);
      const n = params.length;
      return `($1, $${n - 3}::date, $${n - 2}::date, $${n - 1}::numeric, $${n}, $2)`;
    });
    await tx.query(
      `INSERT INTO cbam_ets_price (org_id, period_start, period_end, price_eur, kind, imported_by)
       VALUES ${values.join(', ')}
       ON CONFLICT (org_id, period_start) DO UPDATE
         SET period_end = EXCLUDED.period_end, price_eur = EXCLUDED.price_eur, kind = EXCLUDED.kind,
             imported_by = EXCLUDED.imported_by, imported_at = now()`,
      params,
    );
  }
}

export async function listPrices(db: Queryable, orgId: string, year?: number): Promise<StoredPrice[]> {
  const rows = await db.query<{
    period_start: string;
    period_end: string;
    price_eur: string;
    kind: PriceKind;
    imported_at: Date | string;
  }>(
    `SELECT period_start, period_end, price_eur, kind, imported_at FROM cbam_ets_price
     WHERE org_id = $1 AND ($2::int IS NULL OR EXTRACT(YEAR FROM period_start) = $2::int)
     ORDER BY period_start`,
    [orgId, year ?? null],
  );
  return rows.map((r) => ({
    periodStart: r.period_start,
    periodEnd: r.period_end,
    priceEur: r.price_eur,
    kind: r.kind,
    importedAt: r.imported_at instanceof Date ? r.imported_at.toISOString() : String(r.imported_at),
  }));
}

/** An organisation by its id (uuid) or slug; null when none. */
export async function orgIdOf(db: Queryable, idOrSlug: string): Promise<string | null> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const rows = await db.query<{ id: string }>(
    uuid ? 'SELECT id FROM organisation WHERE id = $1' : 'SELECT id FROM organisation WHERE slug = $1',
    [idOrSlug],
  );
  return rows[0]?.id ?? null;
}
