import type { Queryable } from '../../db/index.js';
import type { ConcordanceRow, EntryInput, Rule } from './model.js';

export interface CodeRow {
  code: string;
  level: number;
  parent: string | null;
  section: string;
  description: string;
  name_zh: string | null;
}

export const findCode = async (db: Queryable, edition: string, code: string) =>
  (
    await db.query<CodeRow>(
      'SELECT code, level, parent, section, description, name_zh FROM hs_code WHERE edition = $1 AND code = $2',
      [edition, code],
    )
  )[0];

/** The code's chapter and heading (its proper prefixes), top first. */
export const ancestorsOf = (db: Queryable, edition: string, code: string) => {
  const prefixes: string[] = [];
  for (let len = 2; len < code.length; len += 2) prefixes.push(code.slice(0, len));
  return db.query<CodeRow>(
    `SELECT code, level, parent, section, description, name_zh FROM hs_code
     WHERE edition = $1 AND code = ANY($2::text[]) ORDER BY level`,
    [edition, prefixes],
  );
};

export const childrenOf = (db: Queryable, edition: string, code: string) =>
  db.query<CodeRow>(
    `SELECT code, level, parent, section, description, name_zh FROM hs_code
     WHERE edition = $1 AND parent = $2 ORDER BY code`,
    [edition, code],
  );

export const sectionOf = async (db: Queryable, edition: string, id: string) =>
  (
    await db.query<{ id: string; name: string; name_zh: string | null }>(
      'SELECT id, name, name_zh FROM hs_section WHERE edition = $1 AND id = $2',
      [edition, id],
    )
  )[0];

/** Codes of the same length under the longest prefix that has any, nearest by number first. */
export const nearestCodes = (db: Queryable, edition: string, code: string, prefix: string, limit: number) =>
  db.query<{ code: string; description: string }>(
    `SELECT code, description FROM hs_code
     WHERE edition = $1 AND level = $2 AND code LIKE $3
     ORDER BY abs(code::bigint - $4::bigint), code LIMIT $5`,
    [edition, code.length, `${prefix}%`, code, limit],
  );

export const searchByCodePrefix = (db: Queryable, edition: string, prefix: string, limit: number) =>
  db.query<{ code: string; level: number; description: string; parent: string | null; score: number }>(
    `SELECT code, level, description, parent, 1.0::float8 AS score FROM hs_code
     WHERE edition = $1 AND code LIKE $2 ORDER BY level, code LIMIT $3`,
    [edition, `${prefix}%`, limit],
  );

/** Full-text search; `tsquery` is built from sanitised words only. Shorter, deeper matches rank first on ties. */
export const searchByWords = (db: Queryable, edition: string, tsquery: string, limit: number) =>
  db.query<{ code: string; level: number; description: string; parent: string | null; score: number }>(
    `SELECT code, level, description, parent, ts_rank(search, q, 1)::float8 AS score
     FROM hs_code, to_tsquery('english', $2) q
     WHERE edition = $1 AND search @@ q
     ORDER BY score DESC, level DESC, code LIMIT $3`,
    [edition, tsquery, limit],
  );

/** Chinese words: the nomenclature has Chinese names for sections and chapters only. */
export const searchChineseNames = (db: Queryable, edition: string, words: string[], limit: number) =>
  db.query<{ code: string; level: number; description: string; parent: string | null; score: number }>(
    `SELECT code, level, description, parent, 1.0::float8 AS score FROM hs_code
     WHERE edition = $1 AND name_zh IS NOT NULL
       AND (SELECT bool_and(strpos(name_zh, w) > 0) FROM unnest($2::text[]) AS w)
     ORDER BY code LIMIT $3`,
    [edition, words, limit],
  );

export interface ConcordanceDbRow {
  from_code: string;
  to_code: string;
  relation: ConcordanceRow['relation'];
}
export const concordanceBetween = (db: Queryable, fromEdition: string, toEdition: string) =>
  db.query<ConcordanceDbRow>(
    `SELECT from_code, to_code, relation FROM hs_concordance WHERE from_edition = $1 AND to_edition = $2
     ORDER BY from_code, to_code`,
    [fromEdition, toEdition],
  );

export const formerCodesOf = (db: Queryable, toEdition: string, code: string) =>
  db.query<{ edition: string; code: string; relation: string }>(
    `SELECT from_edition AS edition, from_code AS code, relation FROM hs_concordance
     WHERE to_edition = $1 AND to_code = $2 ORDER BY from_edition, from_code`,
    [toEdition, code],
  );

export const concordanceFrom = (db: Queryable, fromEdition: string, code: string) =>
  db.query<{ to_edition: string; to_code: string; relation: string }>(
    `SELECT to_edition, to_code, relation FROM hs_concordance WHERE from_edition = $1 AND from_code = $2
     ORDER BY to_edition, to_code`,
    [fromEdition, code],
  );

export async function insertConcordance(
  db: Queryable,
  rows: readonly ConcordanceRow[],
  source: string,
): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    await db.query(
      `INSERT INTO hs_concordance (from_edition, from_code, to_edition, to_code, relation, source)
       SELECT f, fc, t, tc, r, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(f, fc, t, tc, r)
       ON CONFLICT (from_edition, from_code, to_edition, to_code)
       DO UPDATE SET relation = EXCLUDED.relation, source = EXCLUDED.source, imported_at = now()`,
      [
        chunk.map((r) => r.fromEdition),
        chunk.map((r) => r.fromCode),
        chunk.map((r) => r.toEdition),
        chunk.map((r) => r.toCode),
        chunk.map((r) => r.relation),
        source,
      ],
    );
  }
}

// ---- green lists -------------------------------------------------------------------------

export interface ListRow {
  id: string;
  slug: string;
  name: string;
  name_zh: string | null;
  description: string;
  description_zh: string | null;
  owner_org_id: string;
  owner_name: string;
  visibility: 'public' | 'private';
  hs_edition: string;
}
export interface VersionRow {
  id: string;
  list_id: string;
  number: number;
  hs_edition: string;
  effective_from: string;
  changelog: string;
  created_at: Date;
  entry_count: number;
}
export interface EntryRow {
  code: string;
  rule: Rule;
  coverage: 'full' | 'partial';
  category: string;
  scope_note: string;
  scope_note_zh: string | null;
}

export const allLists = (db: Queryable) =>
  db.query<ListRow>(
    `SELECT l.id, l.slug, l.name, l.name_zh, l.description, l.description_zh, l.owner_org_id, o.name AS owner_name,
            l.visibility, l.hs_edition
     FROM green_list l JOIN organisation o ON o.id = l.owner_org_id ORDER BY l.created_at, l.slug`,
  );

export const allVersions = (db: Queryable) =>
  db.query<VersionRow>(
    `SELECT v.id, v.list_id, v.number, v.hs_edition, v.effective_from, v.changelog, v.created_at,
            (SELECT count(*)::int FROM green_list_entry e WHERE e.version_id = v.id) AS entry_count
     FROM green_list_version v ORDER BY v.list_id, v.number`,
  );

export const entriesOf = (db: Queryable, versionId: string) =>
  db.query<EntryRow>(
    `SELECT code, rule, coverage, category, scope_note, scope_note_zh FROM green_list_entry
     WHERE version_id = $1 ORDER BY code, rule`,
    [versionId],
  );

export async function insertList(
  db: Queryable,
  l: {
    slug: string;
    name: string;
    nameZh: string | null;
    description: string;
    descriptionZh: string | null;
    ownerOrgId: string;
    visibility: string;
    hsEdition: string;
  },
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO green_list (slug, name, name_zh, description, description_zh, owner_org_id, visibility, hs_edition)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [l.slug, l.name, l.nameZh, l.description, l.descriptionZh, l.ownerOrgId, l.visibility, l.hsEdition],
  );
  return rows[0]!.id;
}

export const listSlugExists = async (db: Queryable, slug: string) =>
  (await db.query('SELECT 1 FROM green_list WHERE slug = $1', [slug])).length > 0;

export async function insertVersion(
  db: Queryable,
  v: {
    listId: string;
    number: number;
    hsEdition: string;
    effectiveFrom: string;
    changelog: string;
    createdBy: string;
    proposalId: string | null;
    entries: readonly EntryInput[];
  },
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO green_list_version (list_id, number, hs_edition, effective_from, changelog, created_by, proposal_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [v.listId, v.number, v.hsEdition, v.effectiveFrom, v.changelog, v.createdBy, v.proposalId],
  );
  const id = rows[0]!.id;
  const e = v.entries;
  if (e.length > 0)
    await db.query(
      `INSERT INTO green_list_entry (version_id, code, rule, coverage, category, scope_note, scope_note_zh)
       SELECT $1, c, r, cv, cat, sn, snz
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(c, r, cv, cat, sn, snz)`,
      [
        id,
        e.map((x) => x.code),
        e.map((x) => x.rule),
        e.map((x) => x.coverage),
        e.map((x) => x.category),
        e.map((x) => x.scopeNote),
        e.map((x) => x.scopeNoteZh ?? null),
      ],
    );
  return id;
}

/** Locks the list row so that two approvals cannot both make version N+1. */
export const lockList = (db: Queryable, listId: string) =>
  db.query('SELECT id FROM green_list WHERE id = $1 FOR UPDATE', [listId]);

export const latestVersion = async (db: Queryable, listId: string) =>
  (
    await db.query<VersionRow>(
      `SELECT v.id, v.list_id, v.number, v.hs_edition, v.effective_from, v.changelog, v.created_at, 0 AS entry_count
       FROM green_list_version v WHERE v.list_id = $1 ORDER BY number DESC LIMIT 1`,
      [listId],
    )
  )[0];

// ---- proposals ---------------------------------------------------------------------------

export interface ProposalRow {
  id: string;
  list_id: string;
  base_version: number;
  title: string;
  reason: string;
  effective_from: string;
  status: 'submitted' | 'approved' | 'rejected' | 'withdrawn';
  proposed_by: string | null;
  proposed_by_name: string;
  reviewed_by: string | null;
  reviewed_by_name: string | null;
  review_comment: string | null;
  resulting_version: number | null;
  created_at: Date;
  decided_at: Date | null;
  change_count: number;
}
export interface ProposalItemRow {
  seq: number;
  action: 'add' | 'remove' | 'amend';
  code: string;
  rule: Rule;
  coverage: 'full' | 'partial' | null;
  category: string | null;
  scope_note: string | null;
  reason: string;
}

const proposalColumns = `p.id, p.list_id, p.base_version, p.title, p.reason, p.effective_from, p.status, p.proposed_by,
  p.proposed_by_name, p.reviewed_by, p.reviewed_by_name, p.review_comment, p.resulting_version, p.created_at,
  p.decided_at, (SELECT count(*)::int FROM change_proposal_item i WHERE i.proposal_id = p.id) AS change_count`;

export const findProposal = async (db: Queryable, id: string, forUpdate = false) =>
  (
    await db.query<ProposalRow>(
      `SELECT ${proposalColumns} FROM change_proposal p WHERE p.id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    )
  )[0];

export const proposalsWhere = (db: Queryable, listIds: string[], status: string | null) =>
  db.query<ProposalRow>(
    `SELECT ${proposalColumns} FROM change_proposal p
     WHERE p.list_id = ANY($1::uuid[]) AND ($2::text IS NULL OR p.status = $2)
     ORDER BY p.created_at DESC LIMIT 500`,
    [listIds, status],
  );

export const proposalItems = (db: Queryable, id: string) =>
  db.query<ProposalItemRow>(
    `SELECT seq, action, code, rule, coverage, category, scope_note, reason FROM change_proposal_item
     WHERE proposal_id = $1 ORDER BY seq`,
    [id],
  );

export async function insertProposal(
  db: Queryable,
  p: {
    listId: string;
    baseVersion: number;
    title: string;
    reason: string;
    effectiveFrom: string;
    proposedBy: string | null;
    proposedByName: string;
    items: Omit<ProposalItemRow, 'seq'>[];
  },
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO change_proposal (list_id, base_version, title, reason, effective_from, status, proposed_by, proposed_by_name)
     VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7) RETURNING id`,
    [p.listId, p.baseVersion, p.title, p.reason, p.effectiveFrom, p.proposedBy, p.proposedByName],
  );
  const id = rows[0]!.id;
  const it = p.items;
  await db.query(
    `INSERT INTO change_proposal_item (proposal_id, seq, action, code, rule, coverage, category, scope_note, reason)
     SELECT $1, s, a, c, r, cv, cat, sn, rs
     FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
       AS x(s, a, c, r, cv, cat, sn, rs)`,
    [
      id,
      it.map((_, i) => i + 1),
      it.map((x) => x.action),
      it.map((x) => x.code),
      it.map((x) => x.rule),
      it.map((x) => x.coverage),
      it.map((x) => x.category),
      it.map((x) => x.scope_note),
      it.map((x) => x.reason),
    ],
  );
  return id;
}

export async function decideProposal(
  db: Queryable,
  d: {
    id: string;
    status: 'approved' | 'rejected';
    reviewer: string | null;
    reviewerName: string;
    comment: string | null;
    resultingVersion: number | null;
    versionId?: string;
  },
): Promise<void> {
  await db.query(
    `UPDATE change_proposal SET status = $2, reviewed_by = $3, reviewed_by_name = $4, review_comment = $5,
       resulting_version = $6, decided_at = now() WHERE id = $1`,
    [d.id, d.status, d.reviewer, d.reviewerName, d.comment, d.resultingVersion],
  );
}

// ---- reference data bookkeeping ----------------------------------------------------------

export const datasetChecksum = async (db: Queryable, name: string) =>
  (await db.query<{ checksum: string }>('SELECT checksum FROM reference_dataset WHERE name = $1', [name]))[0]
    ?.checksum;

export const recordDataset = (db: Queryable, name: string, checksum: string) =>
  db.query(
    `INSERT INTO reference_dataset (name, checksum) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, loaded_at = now()`,
    [name, checksum],
  );

export const recordVersionInLedger = (tx: Queryable, versionId: string, index: number, leafHashHex: string) =>
  tx.query("UPDATE green_list_version SET ledger_index = $2, ledger_leaf = decode($3, 'hex') WHERE id = $1", [
    versionId,
    index,
    leafHashHex,
  ]);
