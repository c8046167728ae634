/**
 * The registry's invariants, checked over the database as it is: each check is one SQL query
 * that lists what breaks it (up to 20 examples and a count). Some are also constraints of the
 * schema (no overlapping blocks); checking them again costs little and catches a dropped
 * constraint or a row written around it.
 */
import type { Queryable } from '../../../db/index.js';
import type { InvariantCheck, InvariantReport } from './model.js';
import { tableExists } from './store.js';

/** Transaction kinds after which the units they took never move again. */
export const FINAL_KINDS = ['retirement', 'cancellation', 'export-confirmed', 'expiry'] as const;

const EXAMPLES = 20;

interface CheckDef {
  name: string;
  description: string;
  /** Rows of `what` (a sentence), each one violation; `n` is the count over all of them. */
  sql: string;
}

const size = (a: string) => `(${a}.serial_end - ${a}.serial_start + 1)`;

const CHECKS: CheckDef[] = [
  {
    name: 'issuance-conserved',
    description: 'The blocks of each issuance add up to its quantity',
    sql: `SELECT 'issuance ' || i.id || ': quantity ' || i.quantity || ', blocks hold ' || coalesce(sum(${size('b')}), 0) AS what
          FROM registry_issuance i LEFT JOIN registry_block b ON b.issuance_id = i.id
          GROUP BY i.id, i.quantity HAVING coalesce(sum(${size('b')}), 0) <> i.quantity`,
  },
  {
    name: 'blocks-within-issuance',
    description: "Each block lies inside its issuance's serial range",
    sql: `SELECT 'block ' || b.id || ' (' || b.serial_start || '-' || b.serial_end || ') lies outside issuance ' || i.id
             || ' (' || i.serial_start || '-' || i.serial_end || ')' AS what
          FROM registry_block b JOIN registry_issuance i ON i.id = b.issuance_id
          WHERE b.serial_start < i.serial_start OR b.serial_end > i.serial_end`,
  },
  {
    name: 'no-overlapping-blocks',
    description: 'No two blocks share a serial',
    sql: `SELECT 'block ' || id || ' (' || serial_start || '-' || serial_end || ') overlaps a block ending at ' || prev_end AS what
          FROM (SELECT id, serial_start, serial_end, max(serial_end) OVER (ORDER BY serial_start, id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM registry_block) s
          WHERE serial_start <= prev_end`,
  },
  {
    name: 'no-overlapping-issuances',
    description: 'No two issuances number the same serial',
    sql: `SELECT 'issuance ' || id || ' (' || serial_start || '-' || serial_end || ') overlaps an issuance ending at ' || prev_end AS what
          FROM (SELECT id, serial_start, serial_end, max(serial_end) OVER (ORDER BY serial_start, id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM registry_issuance) s
          WHERE serial_start <= prev_end`,
  },
  {
    name: 'each-serial-in-one-block',
    description: 'The blocks of an issuance cover each of its serials exactly once (no gap, no overlap)',
    sql: `SELECT 'issuance ' || issuance_id || ': ' ||
             CASE WHEN prev_end IS NULL THEN 'serials ' || i_start || '-' || (serial_start - 1) || ' are in no block'
                  WHEN serial_start > prev_end + 1 THEN 'serials ' || (prev_end + 1) || '-' || (serial_start - 1) || ' are in no block'
                  ELSE 'serials from ' || serial_start || ' are in two blocks' END AS what
          FROM (SELECT b.issuance_id, b.serial_start, i.serial_start AS i_start,
                  lag(b.serial_end) OVER (PARTITION BY b.issuance_id ORDER BY b.serial_start) AS prev_end
                FROM registry_block b JOIN registry_issuance i ON i.id = b.issuance_id) s
          WHERE (prev_end IS NULL AND serial_start <> i_start) OR (prev_end IS NOT NULL AND serial_start <> prev_end + 1)
          UNION ALL
          SELECT 'issuance ' || i.id || ': serials ' || (coalesce(max(b.serial_end), i.serial_start - 1) + 1) || '-' || i.serial_end
             || ' are in no block'
          FROM registry_issuance i LEFT JOIN registry_block b ON b.issuance_id = i.id
          GROUP BY i.id, i.serial_start, i.serial_end HAVING coalesce(max(b.serial_end), i.serial_start - 1) < i.serial_end`,
  },
  {
    name: 'transaction-quantity',
    description: 'The serial ranges of each transaction add up to its quantity',
    sql: `SELECT 'transaction ' || t.id || ' (' || t.kind || '): quantity ' || t.quantity || ', ranges hold ' || coalesce(sum(${size('r')}), 0) AS what
          FROM registry_transaction t LEFT JOIN registry_transaction_range r ON r.transaction_id = t.id
          GROUP BY t.id, t.kind, t.quantity HAVING coalesce(sum(${size('r')}), 0) <> t.quantity`,
  },
  {
    name: 'final-is-final',
    description: 'Units retired, cancelled, exported or expired never move again',
    sql: `SELECT 'transaction ' || t.id || ' (' || t.kind || ', ledger entry ' || t.ledger_index || ') moved serials '
             || greatest(tr.serial_start, fr.serial_start) || '-' || least(tr.serial_end, fr.serial_end)
             || ' after their ' || f.kind || ' ' || f.id || ' (ledger entry ' || f.ledger_index || ')' AS what
          FROM registry_transaction f
          JOIN registry_transaction_range fr ON fr.transaction_id = f.id
          JOIN registry_transaction_range tr
            ON int8range(tr.serial_start, tr.serial_end, '[]') && int8range(fr.serial_start, fr.serial_end, '[]')
          JOIN registry_transaction t ON t.id = tr.transaction_id
          WHERE f.kind IN (${FINAL_KINDS.map((k) => `'${k}'`).join(', ')}) AND t.id <> f.id
            AND (t.ledger_index > f.ledger_index OR (t.ledger_index = f.ledger_index AND t.created_at > f.created_at))`,
  },
  {
    name: 'final-blocks-stay',
    description: 'Blocks in a final state are in the state their last transaction left them',
    sql: `SELECT 'block ' || b.id || ' is ' || b.state || ' but the last transaction over it, ' || lt.id || ', is a ' || lt.kind AS what
          FROM registry_block b
          JOIN LATERAL (SELECT t.id, t.kind FROM registry_transaction_range r JOIN registry_transaction t ON t.id = r.transaction_id
                        WHERE int8range(r.serial_start, r.serial_end, '[]') && int8range(b.serial_start, b.serial_end, '[]')
                        ORDER BY t.ledger_index DESC NULLS LAST LIMIT 1) lt ON true
          WHERE b.state IN ('retired', 'cancelled') AND lt.kind IN ('transfer', 'issuance', 'import', 'export-reverted')`,
  },
  {
    name: 'adjustment-once',
    description: 'A corresponding adjustment is recorded at most once per unit',
    sql: `SELECT 'corresponding adjustment ' || id || ' (' || serial_start || '-' || serial_end || ') repeats units of one ending at ' || prev_end AS what
          FROM (SELECT id, serial_start, serial_end, max(serial_end) OVER (ORDER BY serial_start, id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM registry_corresponding_adjustment) s
          WHERE serial_start <= prev_end`,
  },
  {
    name: 'adjustment-of-authorised-units',
    description: 'Corresponding adjustments cover only units authorised and first-transferred',
    sql: `SELECT 'corresponding adjustment ' || c.id || ' covers serials ' || b.serial_start || '-' || b.serial_end
             || ' that are ' || CASE WHEN b.authorization_id IS NULL THEN 'not authorised' ELSE 'not first-transferred' END AS what
          FROM registry_corresponding_adjustment c JOIN registry_block b
            ON int8range(b.serial_start, b.serial_end, '[]') && int8range(c.serial_start, c.serial_end, '[]')
          WHERE b.authorization_id IS NULL OR NOT b.first_transferred`,
  },
  {
    name: 'ledger-recorded',
    description: 'Every transaction has its ledger entry, with the leaf hash it kept',
    sql: `SELECT 'transaction ' || t.id || ' (' || t.kind || ') ' ||
             CASE WHEN t.ledger_index IS NULL THEN 'has no ledger entry'
                  WHEN e.idx IS NULL THEN 'points at ledger entry ' || t.ledger_index || ', which is missing'
                  ELSE 'kept a leaf hash that differs from ledger entry ' || t.ledger_index END AS what
          FROM registry_transaction t LEFT JOIN ledger_entry e ON e.idx = t.ledger_index
          WHERE t.ledger_index IS NULL OR e.idx IS NULL OR t.leaf_hash IS NULL OR e.leaf_hash <> t.leaf_hash`,
  },
];

async function run(q: Queryable, c: CheckDef): Promise<InvariantCheck> {
  const rows = await q.query<{ what: string; n: string }>(
    `SELECT what, count(*) OVER () AS n FROM (${c.sql}) v ORDER BY what LIMIT ${EXAMPLES}`,
  );
  const violations = Number(rows[0]?.n ?? 0);
  return {
    name: c.name,
    description: c.description,
    ok: violations === 0,
    violations,
    examples: rows.map((r) => r.what),
  };
}

/** Certificates: blocks never overlap, a cancelled range is claimed at most once (when that part is installed). */
async function certificateChecks(q: Queryable): Promise<CheckDef[]> {
  if (!(await tableExists(q, 'cert_claim'))) return [];
  return [
    {
      name: 'certificate-blocks-disjoint',
      description: 'No certificate serial is in two certificate blocks',
      sql: `SELECT 'certificate block ' || id || ' (' || serial_start || '-' || serial_end || ') overlaps a block ending at ' || prev_end AS what
            FROM (SELECT id, serial_start, serial_end, max(serial_end) OVER (ORDER BY serial_start, id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM cert_block) s
            WHERE serial_start <= prev_end`,
    },
    {
      name: 'certificate-claimed-once',
      description: 'A cancelled certificate is claimed at most once, and only within its cancellation',
      sql: `SELECT 'certificate claim ' || id || ' (' || serial_start || '-' || serial_end || ') repeats serials of a claim ending at ' || prev_end AS what
            FROM (SELECT id, serial_start, serial_end, max(serial_end) OVER (ORDER BY serial_start, id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM cert_claim) s
            WHERE serial_start <= prev_end
            UNION ALL
            SELECT 'certificate claim ' || k.id || ' lies outside its cancellation ' || c.id
            FROM cert_claim k JOIN cert_cancellation c ON c.id = k.cancellation_id
            WHERE k.serial_start < c.serial_start OR k.serial_end > c.serial_end`,
    },
  ];
}

/** Runs every check over `q` (give it a snapshot: a repeatable-read transaction). */
export async function checkInvariants(q: Queryable): Promise<InvariantReport> {
  const checks: InvariantCheck[] = [];
  for (const c of [...CHECKS, ...(await certificateChecks(q))]) checks.push(await run(q, c));
  const n = (
    await q.query<{ issuances: string; blocks: string; transactions: string; units: string }>(
      `SELECT (SELECT count(*) FROM registry_issuance) AS issuances, (SELECT count(*) FROM registry_block) AS blocks,
         (SELECT count(*) FROM registry_transaction) AS transactions,
         (SELECT coalesce(sum(quantity), 0)::text FROM registry_issuance) AS units`,
    )
  )[0]!;
  return {
    ok: checks.every((c) => c.ok),
    checkedAt: new Date().toISOString(),
    counts: {
      issuances: Number(n.issuances),
      blocks: Number(n.blocks),
      transactions: Number(n.transactions),
      units: n.units,
    },
    checks,
  };
}
