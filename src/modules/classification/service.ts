import type { Db } from '../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal } from '../../kernel/access.js';
import { AppError } from '../../kernel/errors.js';
import { compileList, matchCode, type CompiledList, type ConcordanceTarget } from './matcher.js';
import {
  CURRENT_EDITION,
  normalizeCode,
  type ChangeInput,
  type CodeDetail,
  type ConcordanceRow,
  type Diff,
  type Entry,
  type EntryInput,
  type ListMembership,
  type ListSummary,
  type NewList,
  type NewProposal,
  type ProposalDetail,
  type ProposalView,
  type VersionView,
} from './model.js';
import * as store from './store.js';
import type { LedgerService, ReferenceSource } from '../ledger/index.js';

/** For ledger verify: the list versions that keep a ledger entry. */
export const listVersionReferences: ReferenceSource = {
  name: 'list versions',
  sql: `SELECT 'version ' || v.number || ' of list ' || l.slug AS ref, v.ledger_index AS idx, v.ledger_leaf AS leaf
        FROM green_list_version v JOIN green_list l ON l.id = v.list_id WHERE v.ledger_index IS NOT NULL`,
};

/** A signed-in caller, or the local operator (the CLI, with direct access to the database). */
export type Viewer = Principal | 'system';

const MAINTAINER_ROLES = ['admin', 'regulator'] as const;
const CATALOG_TTL_MS = 5_000;

interface Catalog {
  loadedAt: number;
  lists: store.ListRow[];
  versions: Map<string, store.VersionRow[]>;
}

const today = (): string => new Date().toISOString().slice(0, 10);

const entryView = (e: store.EntryRow): Entry => ({
  code: e.code,
  rule: e.rule,
  coverage: e.coverage,
  category: e.category,
  scopeNote: e.scope_note,
  scopeNoteZh: e.scope_note_zh,
});
const entryKey = (e: { code: string; rule: string }) => `${e.code}/${e.rule}`;

/** The version in force on `date`: the latest effective date not after it, the highest number on a tie. */
export function versionAsOf<V extends { number: number; effective_from: string }>(
  versions: readonly V[],
  date: string,
): V | undefined {
  let best: V | undefined;
  for (const v of versions)
    if (
      v.effective_from <= date &&
      (!best ||
        v.effective_from > best.effective_from ||
        (v.effective_from === best.effective_from && v.number > best.number))
    )
      best = v;
  return best;
}

export function diffEntries(before: readonly Entry[], after: readonly Entry[]): Omit<Diff, 'from' | 'to'> {
  const old = new Map(before.map((e) => [entryKey(e), e]));
  const now = new Map(after.map((e) => [entryKey(e), e]));
  const added = after.filter((e) => !old.has(entryKey(e)));
  const removed = before.filter((e) => !now.has(entryKey(e)));
  const changed = after.flatMap((e) => {
    const b = old.get(entryKey(e));
    return b &&
      (b.coverage !== e.coverage ||
        b.category !== e.category ||
        b.scopeNote !== e.scopeNote ||
        b.scopeNoteZh !== e.scopeNoteZh)
      ? [{ before: b, after: e }]
      : [];
  });
  return { added, removed, changed };
}

export class ClassificationService {
  private catalogCache: Catalog | undefined;
  private readonly compiled = new Map<string, CompiledList>();
  private readonly concordances = new Map<string, Map<string, ConcordanceTarget[]>>();
  /** A code's hierarchy and former codes: the nomenclature changes only with the reference data. */
  private readonly codeInfo = new Map<
    string,
    {
      ancestors: store.CodeRow[];
      children: store.CodeRow[];
      section: { id: string; name: string; name_zh: string | null } | undefined;
      formerCodes: { edition: string; code: string; relation: string }[];
    }
  >();

  /** With a ledger, every approved version is recorded in it (see approve). */
  constructor(
    private readonly db: Db,
    private readonly ledger?: LedgerService,
  ) {}

  /** Drops cached lists after a write; compiled versions are immutable and stay. */
  invalidate(): void {
    this.catalogCache = undefined;
  }

  private async catalog(): Promise<Catalog> {
    const c = this.catalogCache;
    if (c && Date.now() - c.loadedAt < CATALOG_TTL_MS) return c;
    const [lists, versions] = await Promise.all([store.allLists(this.db), store.allVersions(this.db)]);
    const byList = new Map<string, store.VersionRow[]>();
    for (const v of versions) byList.set(v.list_id, [...(byList.get(v.list_id) ?? []), v]);
    this.catalogCache = { loadedAt: Date.now(), lists, versions: byList };
    return this.catalogCache;
  }

  private canSee(viewer: Viewer, list: store.ListRow): boolean {
    return (
      viewer === 'system' || list.visibility === 'public' || orgIdsOf(viewer).includes(list.owner_org_id)
    );
  }

  private canMaintain(viewer: Viewer, list: store.ListRow): boolean {
    return viewer === 'system' || hasRoleIn(viewer, list.owner_org_id, MAINTAINER_ROLES);
  }

  private async listBySlug(
    slug: string,
    viewer: Viewer,
  ): Promise<{ list: store.ListRow; versions: store.VersionRow[] }> {
    const cat = await this.catalog();
    const list = cat.lists.find((l) => l.slug === slug);
    // A private list of another organisation is "not found", not "forbidden": its existence is private too.
    if (!list || !this.canSee(viewer, list))
      throw new AppError('not_found', `no list "${slug}"`, { field: 'list' });
    return { list, versions: cat.versions.get(list.id) ?? [] };
  }

  private async concordance(fromEdition: string): Promise<Map<string, ConcordanceTarget[]>> {
    let map = this.concordances.get(fromEdition);
    if (!map) {
      map = new Map();
      for (const r of await store.concordanceBetween(this.db, fromEdition, CURRENT_EDITION)) {
        const t = { fromCode: r.from_code, toCode: r.to_code, relation: r.relation };
        map.set(r.from_code, [...(map.get(r.from_code) ?? []), t]);
      }
      this.concordances.set(fromEdition, map);
    }
    return map;
  }

  private async compile(list: store.ListRow, version: store.VersionRow | undefined): Promise<CompiledList> {
    const meta = {
      slug: list.slug,
      name: list.name,
      nameZh: list.name_zh,
      version: version ? { number: version.number, effectiveFrom: version.effective_from } : null,
    };
    if (!version) return compileList(meta, [], CURRENT_EDITION, CURRENT_EDITION, () => []);
    const cached = this.compiled.get(version.id);
    if (cached) return cached;
    const entries = (await store.entriesOf(this.db, version.id)).map(entryView);
    const conc =
      version.hs_edition === CURRENT_EDITION
        ? new Map<string, ConcordanceTarget[]>()
        : await this.concordance(version.hs_edition);
    const lookup = (code: string): ConcordanceTarget[] => {
      const exact = conc.get(code);
      if (exact || code.length >= 6) return exact ?? [];
      // A chapter or heading of an older edition: every row under it.
      return [...conc.entries()].filter(([from]) => from.startsWith(code)).flatMap(([, t]) => t);
    };
    const compiled = compileList(meta, entries, version.hs_edition, CURRENT_EDITION, lookup);
    this.compiled.set(version.id, compiled);
    return compiled;
  }

  /** The compiled lists (those named, or all the viewer sees), each at its version in force on `asOf`. */
  async matchers(
    viewer: Viewer,
    opts: { lists?: readonly string[] | undefined; asOf?: string | undefined } = {},
  ): Promise<CompiledList[]> {
    const date = opts.asOf ?? today();
    const cat = await this.catalog();
    let lists = cat.lists.filter((l) => this.canSee(viewer, l));
    if (opts.lists) {
      const wanted = opts.lists;
      const unknown = wanted.filter((s) => !lists.some((l) => l.slug === s));
      if (unknown.length > 0)
        throw new AppError('not_found', `no list ${unknown.map((s) => `"${s}"`).join(', ')}`, {
          field: 'lists',
        });
      lists = wanted.map((s) => lists.find((l) => l.slug === s)!);
    }
    return Promise.all(lists.map((l) => this.compile(l, versionAsOf(cat.versions.get(l.id) ?? [], date))));
  }

  // ---- look-up -------------------------------------------------------------------------

  async search(
    q: string,
    limit = 20,
  ): Promise<{ query: string; results: Awaited<ReturnType<typeof store.searchByWords>> }> {
    const query = q.trim().slice(0, 200);
    const digits = query.replace(/[.\s]/g, '');
    if (/^\d{1,10}$/.test(digits)) {
      const prefix = digits.length > 6 ? digits.slice(0, 6) : digits;
      return { query, results: await store.searchByCodePrefix(this.db, CURRENT_EDITION, prefix, limit) };
    }
    const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    if (words.length === 0) throw new AppError('bad_request', 'q: give a code or some words', { field: 'q' });
    if (/\p{Script=Han}/u.test(query))
      return {
        query,
        results: await store.searchChineseNames(this.db, CURRENT_EDITION, words.slice(0, 12), limit),
      };
    const tsquery = words
      .slice(0, 12)
      .map((w) => `${w}:*`)
      .join(' & ');
    return { query, results: await store.searchByWords(this.db, CURRENT_EDITION, tsquery, limit) };
  }

  private async nearest(code: string): Promise<{ code: string; description: string }[]> {
    for (let len = code.length - 2; len >= 0; len -= 2) {
      const found = await store.nearestCodes(this.db, CURRENT_EDITION, code, code.slice(0, len), 5);
      if (found.length > 0) return found;
    }
    return [];
  }

  async getCode(input: string, viewer: Viewer, asOf?: string): Promise<CodeDetail> {
    const full = normalizeCode(input);
    const code = full.length > 6 ? full.slice(0, 6) : full;
    const row = await store.findCode(this.db, CURRENT_EDITION, code);
    if (!row) {
      const nearest = await this.nearest(code);
      throw new AppError('not_found', `${code} is not an ${CURRENT_EDITION} code`, {
        field: 'code',
        details: { nearest },
      });
    }
    let info = this.codeInfo.get(code);
    if (!info) {
      const [ancestors, children, section, formerCodes] = await Promise.all([
        store.ancestorsOf(this.db, CURRENT_EDITION, code),
        store.childrenOf(this.db, CURRENT_EDITION, code),
        store.sectionOf(this.db, CURRENT_EDITION, row.section),
        store.formerCodesOf(this.db, CURRENT_EDITION, code),
      ]);
      info = { ancestors, children, section, formerCodes };
      if (this.codeInfo.size >= 20_000) this.codeInfo.clear();
      this.codeInfo.set(code, info);
    }
    const { ancestors, children, section, formerCodes } = info;
    const lists = await this.matchers(viewer, { asOf });
    const summary = (r: store.CodeRow) => ({
      code: r.code,
      level: r.level,
      description: r.description,
      nameZh: r.name_zh,
    });
    return {
      code,
      input: full,
      edition: CURRENT_EDITION,
      level: row.level,
      description: row.description,
      nameZh: row.name_zh,
      section: { id: row.section, name: section?.name ?? '', nameZh: section?.name_zh ?? null },
      ancestors: ancestors.map(summary),
      children: children.map(summary),
      formerCodes,
      memberships: lists.map((l) => membership(l, full)),
    };
  }

  /** Codes in, list memberships out. Malformed codes are reported all at once, by position. */
  async classify(
    codes: readonly string[],
    viewer: Viewer,
    opts: { lists?: string[] | undefined; asOf?: string | undefined },
  ) {
    const bad: { index: number; value: string }[] = [];
    const normal = codes.map((c, index) => {
      try {
        return normalizeCode(c);
      } catch {
        bad.push({ index, value: c.slice(0, 40) });
        return '';
      }
    });
    if (bad.length > 0)
      throw new AppError(
        'bad_request',
        `${bad.length} malformed code(s): ${bad
          .slice(0, 10)
          .map((b) => `codes.${b.index}="${b.value}"`)
          .join(', ')}`,
        {
          field: `codes.${bad[0]!.index}`,
          details: { invalid: bad.slice(0, 1000) },
        },
      );
    const lists = await this.matchers(viewer, opts);
    return {
      results: normal.map((code, i) => ({
        input: codes[i]!,
        code,
        memberships: lists.map((l) => {
          const m = matchCode(l, code);
          return {
            list: l.slug,
            version: l.version?.number ?? null,
            status: m.status,
            categories: [
              ...new Set(
                m.entries
                  .filter((e) => e.rule === 'include')
                  .map((e) => e.category)
                  .filter(Boolean),
              ),
            ],
          };
        }),
      })),
    };
  }

  // ---- lists ---------------------------------------------------------------------------

  private summary(viewer: Viewer, list: store.ListRow, versions: store.VersionRow[]): ListSummary {
    const current = versionAsOf(versions, today());
    return {
      slug: list.slug,
      name: list.name,
      nameZh: list.name_zh,
      description: list.description,
      descriptionZh: list.description_zh,
      owner: { id: list.owner_org_id, name: list.owner_name },
      visibility: list.visibility,
      hsEdition: list.hs_edition,
      currentVersion: current ? { number: current.number, effectiveFrom: current.effective_from } : null,
      versionCount: versions.length,
      canMaintain: this.canMaintain(viewer, list),
    };
  }

  async lists(viewer: Viewer): Promise<ListSummary[]> {
    const cat = await this.catalog();
    return cat.lists
      .filter((l) => this.canSee(viewer, l))
      .map((l) => this.summary(viewer, l, cat.versions.get(l.id) ?? []));
  }

  async getList(slug: string, viewer: Viewer): Promise<{ list: ListSummary; versions: VersionView[] }> {
    const { list, versions } = await this.listBySlug(slug, viewer);
    return {
      list: this.summary(viewer, list, versions),
      versions: versions.map((v) => ({
        number: v.number,
        effectiveFrom: v.effective_from,
        changelog: v.changelog,
        createdAt: v.created_at.toISOString(),
        hsEdition: v.hs_edition,
        entryCount: v.entry_count,
      })),
    };
  }

  private async versionRow(slug: string, number: number, viewer: Viewer) {
    const { list, versions } = await this.listBySlug(slug, viewer);
    const v = versions.find((x) => x.number === number);
    if (!v) throw new AppError('not_found', `list "${slug}" has no version ${number}`, { field: 'version' });
    return { list, version: v };
  }

  async getVersion(slug: string, number: number, viewer: Viewer) {
    const { list, version } = await this.versionRow(slug, number, viewer);
    const entries = (await store.entriesOf(this.db, version.id)).map(entryView);
    const compiled = await this.compile(list, version);
    return {
      version: {
        number: version.number,
        effectiveFrom: version.effective_from,
        changelog: version.changelog,
        createdAt: version.created_at.toISOString(),
        hsEdition: version.hs_edition,
        entryCount: version.entry_count,
      },
      entries,
      unmapped: compiled.unmapped.map((e) => e.code),
    };
  }

  async versionAsOfDate(slug: string, date: string, viewer: Viewer) {
    const { versions } = await this.listBySlug(slug, viewer);
    const v = versionAsOf(versions, date);
    if (!v)
      throw new AppError('not_found', `list "${slug}" had no version in force on ${date}`, { field: 'asOf' });
    return this.getVersion(slug, v.number, viewer);
  }

  async diff(slug: string, from: number, to: number, viewer: Viewer): Promise<Diff> {
    const a = await this.versionRow(slug, from, viewer);
    const b = await this.versionRow(slug, to, viewer);
    const [ea, eb] = await Promise.all([
      store.entriesOf(this.db, a.version.id),
      store.entriesOf(this.db, b.version.id),
    ]);
    return { from, to, ...diffEntries(ea.map(entryView), eb.map(entryView)) };
  }

  /** A new list with its first version, in one transaction. */
  async createList(input: NewList, viewer: Viewer): Promise<ListSummary> {
    const ownerOrgId = input.ownerOrgId ?? (viewer === 'system' ? undefined : orgIdsOf(viewer)[0]);
    if (!ownerOrgId)
      throw new AppError('bad_request', 'ownerOrgId: say which organisation owns the list', {
        field: 'ownerOrgId',
      });
    if (viewer !== 'system' && !hasRoleIn(viewer, ownerOrgId, MAINTAINER_ROLES))
      throw new AppError(
        'forbidden',
        'only an admin or regulator of the owning organisation can create its lists',
        { field: 'ownerOrgId' },
      );
    const entries = await this.checkEntries(input.entries, input.hsEdition, 'entries');
    await this.db.transaction(async (tx) => {
      if (await store.listSlugExists(tx, input.slug))
        throw new AppError('conflict', `a list "${input.slug}" exists`, { field: 'slug' });
      const listId = await store.insertList(tx, {
        slug: input.slug,
        name: input.name,
        nameZh: input.nameZh ?? null,
        description: input.description,
        descriptionZh: input.descriptionZh ?? null,
        ownerOrgId,
        visibility: input.visibility,
        hsEdition: input.hsEdition,
      });
      await store.insertVersion(tx, {
        listId,
        number: 1,
        hsEdition: input.hsEdition,
        effectiveFrom: input.effectiveFrom,
        changelog: `Created with ${entries.length} entries`,
        createdBy: viewerName(viewer),
        proposalId: null,
        entries,
      });
    });
    this.invalidate();
    return (await this.getList(input.slug, viewer)).list;
  }

  /** Normalises codes, refuses duplicates and (in the shipped edition) codes that do not exist. */
  private async checkEntries(
    entries: readonly EntryInput[],
    edition: string,
    field: string,
  ): Promise<EntryInput[]> {
    const seen = new Set<string>();
    const out: EntryInput[] = [];
    for (const [i, e] of entries.entries()) {
      const code = normalizeCode(e.code, `${field}.${i}.code`);
      if (seen.has(entryKey({ code, rule: e.rule })))
        throw new AppError('bad_request', `${field}.${i}.code: ${code} (${e.rule}) is listed twice`, {
          field: `${field}.${i}.code`,
        });
      seen.add(entryKey({ code, rule: e.rule }));
      if (edition === CURRENT_EDITION) await this.mustExist(code, `${field}.${i}.code`);
      out.push({ ...e, code });
    }
    return out;
  }

  private async mustExist(code: string, field: string): Promise<void> {
    const hs = code.length > 6 ? code.slice(0, 6) : code;
    if (!(await store.findCode(this.db, CURRENT_EDITION, hs)))
      throw new AppError('bad_request', `${field}: ${code} is not in ${CURRENT_EDITION}`, { field });
  }

  // ---- change proposals ----------------------------------------------------------------

  /** Applies `changes` to `base`; throws naming the change that does not fit. */
  private applyChanges(base: readonly Entry[], changes: readonly ChangeInput[]): Entry[] {
    const map = new Map(base.map((e) => [entryKey(e), e]));
    for (const [i, c] of changes.entries()) {
      const key = entryKey(c);
      const existing = map.get(key);
      const field = `changes.${i}.code`;
      if (c.action === 'add') {
        if (existing)
          throw new AppError('conflict', `${field}: ${c.code} (${c.rule}) is already on the list`, { field });
        map.set(key, {
          code: c.code,
          rule: c.rule,
          coverage: c.coverage ?? 'full',
          category: c.category ?? '',
          scopeNote: c.scopeNote ?? '',
          scopeNoteZh: null,
        });
      } else if (!existing) {
        throw new AppError('conflict', `${field}: ${c.code} (${c.rule}) is not on the list`, { field });
      } else if (c.action === 'remove') {
        map.delete(key);
      } else {
        map.set(key, {
          ...existing,
          coverage: c.coverage ?? existing.coverage,
          category: c.category ?? existing.category,
          scopeNote: c.scopeNote ?? existing.scopeNote,
          scopeNoteZh:
            c.scopeNote !== undefined && c.scopeNote !== existing.scopeNote ? null : existing.scopeNoteZh,
        });
      }
    }
    return [...map.values()].sort((a, b) => a.code.localeCompare(b.code) || a.rule.localeCompare(b.rule));
  }

  async createProposal(slug: string, input: NewProposal, viewer: Viewer): Promise<ProposalDetail> {
    const { list, versions } = await this.listBySlug(slug, viewer);
    const latest = versions.at(-1);
    if (!latest) throw new AppError('conflict', `list "${slug}" has no version to change`);
    const changes: ChangeInput[] = [];
    for (const [i, c] of input.changes.entries()) {
      const code = normalizeCode(c.code, `changes.${i}.code`);
      if (c.action === 'add' && list.hs_edition === CURRENT_EDITION)
        await this.mustExist(code, `changes.${i}.code`);
      changes.push({ ...c, code });
    }
    const base = (await store.entriesOf(this.db, latest.id)).map(entryView);
    this.applyChanges(base, changes); // refuse now what could never be approved
    const id = await this.db.transaction((tx) =>
      store.insertProposal(tx, {
        listId: list.id,
        baseVersion: latest.number,
        title: input.title,
        reason: input.reason,
        effectiveFrom: input.effectiveFrom,
        proposedBy: viewer !== 'system' && viewer.kind === 'user' ? viewer.id : null,
        proposedByName: viewerName(viewer),
        items: changes.map((c) => ({
          action: c.action,
          code: c.code,
          rule: c.rule,
          coverage: c.coverage ?? null,
          category: c.category ?? null,
          scope_note: c.scopeNote ?? null,
          reason: c.reason,
        })),
      }),
    );
    return this.getProposal(id, viewer);
  }

  private async visibleProposal(id: string, viewer: Viewer) {
    if (!/^[0-9a-f-]{36}$/i.test(id))
      throw new AppError('not_found', `no proposal ${id.slice(0, 40)}`, { field: 'id' });
    const p = await store.findProposal(this.db, id);
    const list = p && (await this.catalog()).lists.find((l) => l.id === p.list_id);
    if (!p || !list || !this.canSee(viewer, list))
      throw new AppError('not_found', `no proposal ${id}`, { field: 'id' });
    return { p, list };
  }

  private proposalView(p: store.ProposalRow, list: store.ListRow, viewer: Viewer): ProposalView {
    return {
      id: p.id,
      list: { slug: list.slug, name: list.name, nameZh: list.name_zh },
      title: p.title,
      reason: p.reason,
      status: p.status,
      baseVersion: p.base_version,
      effectiveFrom: p.effective_from,
      proposedBy: { id: p.proposed_by, name: p.proposed_by_name },
      reviewedBy: p.reviewed_by_name ? { id: p.reviewed_by, name: p.reviewed_by_name } : null,
      reviewComment: p.review_comment,
      createdAt: p.created_at.toISOString(),
      decidedAt: p.decided_at ? p.decided_at.toISOString() : null,
      resultingVersion: p.resulting_version,
      changeCount: p.change_count,
      canReview: p.status === 'submitted' && this.canMaintain(viewer, list) && !isProposer(viewer, p),
    };
  }

  async listProposals(
    viewer: Viewer,
    opts: { list?: string | undefined; status?: string | undefined },
  ): Promise<ProposalView[]> {
    const cat = await this.catalog();
    let lists = cat.lists.filter((l) => this.canSee(viewer, l));
    if (opts.list) lists = [(await this.listBySlug(opts.list, viewer)).list];
    const rows = await store.proposalsWhere(
      this.db,
      lists.map((l) => l.id),
      opts.status ?? null,
    );
    return rows.map((p) =>
      this.proposalView(
        p,
        lists.find((l) => l.id === p.list_id)!,
        viewer,
      ),
    );
  }

  async getProposal(id: string, viewer: Viewer): Promise<ProposalDetail> {
    const { p, list } = await this.visibleProposal(id, viewer);
    const items = await store.proposalItems(this.db, id);
    const versions = (await this.catalog()).versions.get(list.id) ?? [];
    const baseVersion = versions.find((v) => v.number === p.base_version);
    const base = baseVersion
      ? new Map((await store.entriesOf(this.db, baseVersion.id)).map((e) => [entryKey(e), entryView(e)]))
      : new Map<string, Entry>();
    return {
      ...this.proposalView(p, list, viewer),
      changes: items.map((i) => ({
        action: i.action,
        code: i.code,
        rule: i.rule,
        coverage: i.coverage,
        category: i.category,
        scopeNote: i.scope_note,
        reason: i.reason,
        before: base.get(entryKey(i)) ?? null,
      })),
    };
  }

  /**
   * A maintainer (admin or regulator of the owning organisation), not the proposer, approves:
   * the changes are applied to the latest version (which may be newer than the proposal's base,
   * if they still fit) and become a new version.
   */
  async approve(
    id: string,
    comment: string | undefined,
    viewer: Viewer,
  ): Promise<{ proposal: ProposalDetail; version: VersionView }> {
    const { list } = await this.visibleProposal(id, viewer);
    if (!this.canMaintain(viewer, list))
      throw new AppError('forbidden', `only a maintainer of "${list.slug}" can approve`);
    const number = await this.db.transaction(async (tx) => {
      await store.lockList(tx, list.id);
      const p = await store.findProposal(tx, id, true);
      if (!p || p.status !== 'submitted')
        throw new AppError('conflict', `proposal ${id} is ${p?.status ?? 'gone'}, not submitted`);
      if (isProposer(viewer, p))
        throw new AppError('forbidden', 'a proposal is approved by someone other than its proposer');
      const latest = await store.latestVersion(tx, list.id);
      if (!latest) throw new AppError('conflict', 'the list has no version');
      if (p.effective_from < latest.effective_from)
        throw new AppError(
          'conflict',
          `effectiveFrom ${p.effective_from} is before version ${latest.number} (${latest.effective_from})`,
          {
            field: 'effectiveFrom',
          },
        );
      const items = await store.proposalItems(tx, id);
      const changes: ChangeInput[] = items.map((i) => ({
        action: i.action,
        code: i.code,
        rule: i.rule,
        reason: i.reason,
        ...(i.coverage ? { coverage: i.coverage } : {}),
        ...(i.category !== null ? { category: i.category } : {}),
        ...(i.scope_note !== null ? { scopeNote: i.scope_note } : {}),
      }));
      const entries = this.applyChanges((await store.entriesOf(tx, latest.id)).map(entryView), changes);
      const changelog = [
        `${p.title} (proposal ${p.id}, by ${p.proposed_by_name}, approved by ${viewerName(viewer)})`,
        ...changes.map(
          (c) =>
            `${c.action === 'add' ? '+' : c.action === 'remove' ? '-' : '~'} ${c.code}${c.rule === 'exclude' ? ' (exclusion)' : ''}: ${c.reason}`,
        ),
      ].join('\n');
      const versionEntries = entries.map((e) => ({
        ...e,
        scopeNoteZh: e.scopeNoteZh ?? undefined,
      })) as EntryInput[];
      const versionId = await store.insertVersion(tx, {
        listId: list.id,
        number: latest.number + 1,
        hsEdition: latest.hs_edition,
        effectiveFrom: p.effective_from,
        changelog,
        createdBy: viewerName(viewer),
        proposalId: p.id,
        entries: versionEntries,
      });
      if (this.ledger) {
        // Others rely on a version of a list: its entry commits with it, in this transaction.
        const appended = await this.ledger.append(tx, {
          type: 'classification.list-version',
          subject: `${list.slug}@${latest.number + 1}`,
          body: {
            list: list.slug,
            version: latest.number + 1,
            hsEdition: latest.hs_edition,
            effectiveFrom: p.effective_from,
            proposal: p.id,
            approvedBy: viewerName(viewer),
            entries: versionEntries.map((e) => ({
              code: e.code,
              rule: e.rule,
              coverage: e.coverage,
              category: e.category,
            })),
          },
          orgId: list.owner_org_id,
          public: list.visibility === 'public',
        });
        await store.recordVersionInLedger(tx, versionId, appended.index, appended.leafHash);
      }
      await store.decideProposal(tx, {
        id,
        status: 'approved',
        reviewer: reviewerId(viewer),
        reviewerName: viewerName(viewer),
        comment: comment ?? null,
        resultingVersion: latest.number + 1,
      });
      return latest.number + 1;
    });
    this.invalidate();
    const { version } = await this.getVersion(list.slug, number, viewer);
    return { proposal: await this.getProposal(id, viewer), version };
  }

  async reject(id: string, comment: string, viewer: Viewer): Promise<ProposalDetail> {
    const { list } = await this.visibleProposal(id, viewer);
    if (!this.canMaintain(viewer, list))
      throw new AppError('forbidden', `only a maintainer of "${list.slug}" can reject`);
    await this.db.transaction(async (tx) => {
      const p = await store.findProposal(tx, id, true);
      if (!p || p.status !== 'submitted')
        throw new AppError('conflict', `proposal ${id} is ${p?.status ?? 'gone'}, not submitted`);
      await store.decideProposal(tx, {
        id,
        status: 'rejected',
        reviewer: reviewerId(viewer),
        reviewerName: viewerName(viewer),
        comment,
        resultingVersion: null,
      });
    });
    return this.getProposal(id, viewer);
  }

  // ---- concordance ---------------------------------------------------------------------

  /** Imports rows in one transaction; rows already there are updated. */
  async importConcordance(rows: readonly ConcordanceRow[], source: string): Promise<number> {
    await this.db.transaction((tx) => store.insertConcordance(tx, rows, source));
    this.concordances.clear();
    this.codeInfo.clear(); // former codes come from the concordance
    // Compiled versions of other editions depend on the concordance.
    for (const [id, c] of this.compiled)
      if ([...c.byCode.values()].flat().some((e) => e.via)) this.compiled.delete(id);
    for (const [id, c] of this.compiled) if (c.unmapped.length > 0) this.compiled.delete(id);
    return rows.length;
  }

  async concordanceOf(edition: string, code: string) {
    const c = normalizeCode(code);
    return (await store.concordanceFrom(this.db, edition, c)).map((r) => ({
      edition: r.to_edition,
      code: r.to_code,
      relation: r.relation,
    }));
  }
}

export function membership(list: CompiledList, code: string): ListMembership {
  const m = matchCode(list, code);
  return {
    list: { slug: list.slug, name: list.name, nameZh: list.nameZh },
    version: list.version,
    status: m.status,
    entries: m.entries,
  };
}

const viewerName = (v: Viewer): string =>
  v === 'system' ? 'local operator' : v.kind === 'client' ? `API client ${v.id}` : v.name;
const reviewerId = (v: Viewer): string | null => (v !== 'system' && v.kind === 'user' ? v.id : null);
const isProposer = (v: Viewer, p: store.ProposalRow): boolean =>
  v !== 'system' && v.kind === 'user' && p.proposed_by === v.id;
