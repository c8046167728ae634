import type { ListDiff, ListEntry, ProposalChange } from '../../api';

export interface DiffRow {
  kind: 'added' | 'removed' | 'changed';
  code: string;
  before: ListEntry | null;
  after: ListEntry | null;
  note?: string;
}

/** The diff between two versions of a list, one row per code, sorted by code. */
export function diffRows(d: ListDiff): DiffRow[] {
  return [
    ...d.added.map((e): DiffRow => ({ kind: 'added', code: e.code, before: null, after: e })),
    ...d.removed.map((e): DiffRow => ({ kind: 'removed', code: e.code, before: e, after: null })),
    ...d.changed.map((c): DiffRow => ({
      kind: 'changed',
      code: c.after.code,
      before: c.before,
      after: c.after,
    })),
  ].sort((a, b) => a.code.localeCompare(b.code));
}

/** A proposal's changes as a diff against its base version (an amendment keeps what it does not set). */
export function proposalRows(changes: ProposalChange[]): DiffRow[] {
  return changes.map((c): DiffRow => {
    const note = c.reason;
    if (c.action === 'remove') {
      const before: ListEntry = c.before ?? {
        code: c.code,
        rule: c.rule,
        coverage: 'full',
        category: '',
        scopeNote: '',
        scopeNoteZh: null,
      };
      return { kind: 'removed', code: c.code, before, after: null, note };
    }
    const base = c.before;
    const after: ListEntry = {
      code: c.code,
      rule: c.rule,
      coverage: c.coverage ?? base?.coverage ?? 'full',
      category: c.category ?? base?.category ?? '',
      scopeNote: c.scopeNote ?? base?.scopeNote ?? '',
      // A new scope note has no translation yet; an unchanged one keeps its own.
      scopeNoteZh:
        c.scopeNote !== null && c.scopeNote !== base?.scopeNote ? null : (base?.scopeNoteZh ?? null),
    };
    if (c.action === 'amend' || base) return { kind: 'changed', code: c.code, before: base, after, note };
    return { kind: 'added', code: c.code, before: null, after, note };
  });
}
