import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, type ChangeAction, type Coverage, type NewChange, type Rule } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { today, useLocalize } from '../../format';

interface Row {
  key: number;
  action: ChangeAction;
  code: string;
  rule: Rule;
  coverage: Coverage;
  category: string;
  scopeNote: string;
  reason: string;
}

let nextKey = 1;
const emptyRow = (): Row => ({
  key: nextKey++,
  action: 'add',
  code: '',
  rule: 'include',
  coverage: 'full',
  category: '',
  scopeNote: '',
  reason: '',
});

function toChange(r: Row): NewChange {
  // The rule says which entry: a code can be on a list both as an inclusion and an exclusion.
  const base: NewChange = { action: r.action, code: r.code.trim(), rule: r.rule, reason: r.reason.trim() };
  if (r.action === 'remove') return base;
  const out: NewChange = { ...base, coverage: r.coverage };
  if (r.category.trim()) out.category = r.category.trim();
  if (r.scopeNote.trim()) out.scopeNote = r.scopeNote.trim();
  return out;
}

export function NewProposalPage() {
  const { t } = useTranslation();
  const loc = useLocalize();
  const { slug: slugParam } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();

  const lists = useQuery({
    queryKey: ['classification', 'lists'],
    queryFn: ({ signal }) => api.lists(signal),
  });
  const [slug, setSlug] = useState(slugParam ?? params.get('list') ?? '');
  const [title, setTitle] = useState('');
  const [reason, setReason] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState(today());
  const [rows, setRows] = useState<Row[]>([emptyRow()]);
  const [localError, setLocalError] = useState<string | null>(null);

  const list = lists.data?.lists.find((l) => l.slug === slug);

  const create = useMutation({
    mutationFn: () =>
      api.createProposal(slug, {
        title: title.trim(),
        reason: reason.trim(),
        effectiveFrom,
        changes: rows.map(toChange),
      }),
    onSuccess: ({ proposal }) => {
      void client.invalidateQueries({ queryKey: ['classification', 'proposals'] });
      void navigate(`/classification/proposals/${proposal.id}`);
    },
  });

  const setRow = (key: number, patch: Partial<Row>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (!slug) return setLocalError(t('proposalForm.needList'));
    if (rows.length === 0) return setLocalError(t('proposalForm.needChange'));
    create.mutate();
  };

  return (
    <section className="page">
      <nav className="breadcrumb" aria-label={t('common.breadcrumb')}>
        <ol>
          <li>
            <Link to="/classification/proposals">{t('proposals.title')}</Link>
          </li>
          <li aria-current="page">{t('proposals.new')}</li>
        </ol>
      </nav>
      <header className="page-header">
        <h1>{list ? t('proposalForm.titleFor', { list: loc.name(list) }) : t('proposals.new')}</h1>
        <p className="muted">{t('proposalForm.intro')}</p>
      </header>

      <form className="card form" onSubmit={submit} data-testid="proposal-form">
        <ErrorAlert error={lists.error} />
        <div className="form-grid">
          <label className="field">
            <span>{t('proposalForm.list')}</span>
            <select
              value={slug}
              onChange={(e) => setSlug(e.target.value)}
              required
              disabled={Boolean(slugParam)}
              data-testid="proposal-list"
            >
              <option value="" disabled>
                {t('proposalForm.chooseList')}
              </option>
              {(lists.data?.lists ?? []).map((l) => (
                <option key={l.slug} value={l.slug}>
                  {loc.name(l)}
                </option>
              ))}
            </select>
            {list?.currentVersion ? (
              <small className="muted">
                {t('proposalForm.base', {
                  n: list.currentVersion.number,
                  date: list.currentVersion.effectiveFrom,
                })}
              </small>
            ) : null}
          </label>
          <label className="field">
            <span>{t('proposalForm.effectiveFrom')}</span>
            <input
              type="date"
              value={effectiveFrom}
              onChange={(e) => setEffectiveFrom(e.target.value)}
              required
              data-testid="proposal-effective"
            />
          </label>
          <label className="field span-2">
            <span>{t('proposalForm.title')}</span>
            <input
              type="text"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              required
              maxLength={200}
              data-testid="proposal-title"
            />
          </label>
          <label className="field span-2">
            <span>{t('proposalForm.reason')}</span>
            <textarea
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              required
              rows={3}
              data-testid="proposal-reason"
            />
          </label>
        </div>

        <fieldset className="changes">
          <legend>{t('proposalForm.changes')}</legend>
          {rows.map((r, i) => (
            <div className="change-row" key={r.key} data-testid="change-row">
              <div className="change-row-head">
                <strong>{t('proposalForm.changeN', { n: i + 1 })}</strong>
                <button
                  type="button"
                  className="btn btn-link danger"
                  onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
                  disabled={rows.length === 1}
                >
                  {t('proposalForm.removeRow')}
                </button>
              </div>
              <div className="change-grid">
                <label className="field">
                  <span>{t('proposalForm.action')}</span>
                  <select
                    value={r.action}
                    onChange={(e) => setRow(r.key, { action: e.target.value as ChangeAction })}
                    data-testid="change-action"
                  >
                    {(['add', 'remove', 'amend'] as const).map((a) => (
                      <option key={a} value={a}>
                        {t(`proposalForm.actions.${a}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span>{t('entry.code')}</span>
                  <input
                    type="text"
                    value={r.code}
                    onChange={(e) => setRow(r.key, { code: e.target.value })}
                    required
                    inputMode="numeric"
                    pattern="[0-9]{2}([0-9]{2}([0-9]{2})?)?"
                    placeholder="854143"
                    className="code"
                    data-testid="change-code"
                  />
                </label>
                <label className="field">
                  <span>{t('entry.ruleLabel')}</span>
                  <select
                    value={r.rule}
                    onChange={(e) => setRow(r.key, { rule: e.target.value as Rule })}
                    disabled={r.action === 'remove'}
                  >
                    <option value="include">{t('entry.rule.include')}</option>
                    <option value="exclude">{t('entry.rule.exclude')}</option>
                  </select>
                </label>
                <label className="field">
                  <span>{t('entry.coverageLabel')}</span>
                  <select
                    value={r.coverage}
                    onChange={(e) => setRow(r.key, { coverage: e.target.value as Coverage })}
                    disabled={r.action === 'remove'}
                    data-testid="change-coverage"
                  >
                    <option value="full">{t('entry.coverage.full')}</option>
                    <option value="partial">{t('entry.coverage.partial')}</option>
                  </select>
                </label>
                <label className="field">
                  <span>{t('entry.category')}</span>
                  <input
                    type="text"
                    value={r.category}
                    onChange={(e) => setRow(r.key, { category: e.target.value })}
                    disabled={r.action === 'remove'}
                  />
                </label>
                <label className="field span-3">
                  <span>{t('entry.scopeNote')}</span>
                  <input
                    type="text"
                    value={r.scopeNote}
                    onChange={(e) => setRow(r.key, { scopeNote: e.target.value })}
                    disabled={r.action === 'remove'}
                  />
                </label>
                <label className="field span-all">
                  <span>{t('proposalForm.changeReason')}</span>
                  <input
                    type="text"
                    value={r.reason}
                    onChange={(e) => setRow(r.key, { reason: e.target.value })}
                    required
                    data-testid="change-reason"
                  />
                </label>
              </div>
            </div>
          ))}
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => setRows((rs) => [...rs, emptyRow()])}
            data-testid="add-change"
          >
            + {t('proposalForm.addRow')}
          </button>
        </fieldset>

        {localError ? (
          <div className="alert alert-error" role="alert" data-testid="error-alert">
            {localError}
          </div>
        ) : null}
        <ErrorAlert error={create.error} />
        <div className="form-actions">
          <Link
            to={slugParam ? `/classification/lists/${slugParam}` : '/classification/proposals'}
            className="btn btn-secondary"
          >
            {t('common.cancel')}
          </Link>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={create.isPending}
            data-testid="proposal-submit"
          >
            {create.isPending ? t('common.saving') : t('proposalForm.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
