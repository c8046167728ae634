import type { Migration } from '../../../db/index.js';

/**
 * The EU ETS price series an organisation imported (per organisation: each keeps the series it
 * plans with). One row per period; a period is a calendar quarter (2026) or a calendar week (from
 * 2027), so two imports of the same period meet on (org_id, period_start) and the later replaces it.
 */
export const costMigrations: Migration[] = [
  {
    id: 'cbam/cost/0001_ets_prices',
    sql: `
CREATE TABLE cbam_ets_price (
  org_id uuid NOT NULL REFERENCES organisation(id),
  period_start date NOT NULL,
  period_end date NOT NULL CHECK (period_end >= period_start),
  price_eur numeric NOT NULL CHECK (price_eur > 0),
  kind text NOT NULL CHECK (kind IN ('quarterly', 'weekly')),
  imported_by text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, period_start)
);
`,
  },
];
