import type { Coverage, MatchedEntry, Relation, Status } from './model.js';

/** A list version's entries, mapped into the current edition, indexed for prefix matching. */
export interface CompiledList {
  slug: string;
  name: string;
  nameZh: string | null;
  version: { number: number; effectiveFrom: string } | null;
  /** Entries keyed by their own code. */
  byCode: Map<string, MatchedEntry[]>;
  /** Entries keyed by each proper even-length prefix of their code (entries narrower than a code). */
  byPrefix: Map<string, MatchedEntry[]>;
  /** Entries of an older edition that no concordance row maps. */
  unmapped: MatchedEntry[];
}

export interface SourceEntry {
  code: string;
  rule: 'include' | 'exclude';
  coverage: Coverage;
  category: string;
  scopeNote: string;
  scopeNoteZh: string | null;
}

export interface ConcordanceTarget {
  fromCode: string;
  toCode: string;
  relation: Relation;
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/**
 * Maps entries of `edition` into the current edition through concordance rows, then indexes them.
 * Convention (the issue's): an entry reached through anything but a 1:1 row is partial, since the
 * edition change moved the boundary of the code.
 */
export function compileList(
  meta: Pick<CompiledList, 'slug' | 'name' | 'nameZh' | 'version'>,
  entries: readonly SourceEntry[],
  edition: string,
  currentEdition: string,
  concordance: (code: string) => ConcordanceTarget[],
): CompiledList {
  const mapped: MatchedEntry[] = [];
  const unmapped: MatchedEntry[] = [];
  for (const e of entries) {
    const base: MatchedEntry = { ...e, hsEdition: edition, via: null };
    if (edition === currentEdition) {
      mapped.push(base);
      continue;
    }
    // A national line (8/10 digits) maps through its HS6 part and is partial at best.
    const hs = e.code.length > 6 ? e.code.slice(0, 6) : e.code;
    const targets = concordance(hs);
    if (targets.length === 0) unmapped.push(base);
    for (const t of targets) {
      const exact = t.relation === '1:1' && hs === e.code && t.fromCode === hs;
      mapped.push({
        ...base,
        code: t.toCode,
        hsEdition: currentEdition,
        coverage: exact ? e.coverage : 'partial',
        via: { fromEdition: edition, fromCode: t.fromCode, relation: t.relation },
      });
    }
  }
  const byCode = new Map<string, MatchedEntry[]>();
  const byPrefix = new Map<string, MatchedEntry[]>();
  for (const e of mapped) {
    push(byCode, e.code, e);
    for (let len = 2; len < e.code.length; len += 2) push(byPrefix, e.code.slice(0, len), e);
  }
  return { ...meta, byCode, byPrefix, unmapped };
}

export interface ListMatch {
  status: Status;
  entries: MatchedEntry[];
}

const NONE: ListMatch = { status: 'none', entries: [] };

/**
 * Is `code` on the list? Entries whose code is a prefix of `code` contain it; entries longer than
 * `code` cover only part of it. An exclusion containing the code (at least as specific as the
 * include that contains it) takes it off; a narrower exclusion makes a full match partial.
 */
export function matchCode(list: CompiledList, code: string): ListMatch {
  let containing: MatchedEntry[] | undefined;
  for (let len = 2; len <= code.length; len += 2) {
    const hit = list.byCode.get(len === code.length ? code : code.slice(0, len));
    if (hit) containing = containing ? containing.concat(hit) : hit;
  }
  const narrower = list.byPrefix.get(code);
  if (!containing && !narrower) return NONE;

  const include: MatchedEntry[] = [];
  const exclude: MatchedEntry[] = [];
  let deepestInclude = 0;
  let deepestExclude = 0;
  for (const e of containing ?? []) {
    if (e.rule === 'include') {
      include.push(e);
      deepestInclude = Math.max(deepestInclude, e.code.length);
    } else {
      exclude.push(e);
      deepestExclude = Math.max(deepestExclude, e.code.length);
    }
  }
  if (include.length > 0 && deepestExclude >= deepestInclude) return { status: 'none', entries: exclude };
  const narrowIncludes = narrower?.filter((e) => e.rule === 'include') ?? [];
  const narrowExcludes = narrower?.filter((e) => e.rule === 'exclude') ?? [];
  if (include.length > 0) {
    const full = include.some((e) => e.coverage === 'full') && narrowExcludes.length === 0;
    return { status: full ? 'full' : 'partial', entries: [...include, ...narrowExcludes] };
  }
  if (narrowIncludes.length > 0) return { status: 'partial', entries: narrowIncludes };
  return NONE;
}
