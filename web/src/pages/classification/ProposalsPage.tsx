import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, type ProposalStatus } from '../../api';
import { Loading, ProposalBadge } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLocalize } from '../../format';

const STATUSES: ProposalStatus[] = ['submitted', 'approved', 'rejected'];
const isStatus = (v: string | null): v is ProposalStatus => v !== null && (STATUSES as string[]).includes(v);

/** Proposals of all lists (/classification/proposals) or of one (/classification/lists/:slug/proposals). */
export function ProposalsPage() {
  const { t } = useTranslation();
  const loc = useLocalize();
  const { slug } = useParams();
  const [params, setParams] = useSearchParams();
  const listFilter = slug ?? (params.get('list') || undefined);
  const statusParam = params.get('status');
  const status = isStatus(statusParam) ? statusParam : undefined;

  const lists = useQuery({
    queryKey: ['classification', 'lists'],
    queryFn: ({ signal }) => api.lists(signal),
  });
  const query = useQuery({
    queryKey: ['classification', 'proposals', listFilter ?? null, status ?? null],
    queryFn: ({ signal }) => api.proposals({ list: listFilter, status }, signal),
  });
  const fixedList = slug ? lists.data?.lists.find((l) => l.slug === slug) : undefined;

  const setFilter = (key: 'list' | 'status', value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const newHref = listFilter
    ? `/classification/lists/${listFilter}/proposals/new`
    : '/classification/proposals/new';
  const proposals = query.data?.proposals ?? [];

  return (
    <section className="page">
      {slug ? (
        <nav className="breadcrumb" aria-label={t('common.breadcrumb')}>
          <ol>
            <li>
              <Link to="/classification/lists">{t('lists.title')}</Link>
            </li>
            <li>
              <Link to={`/classification/lists/${slug}`}>{fixedList ? loc.name(fixedList) : slug}</Link>
            </li>
            <li aria-current="page">{t('proposals.title')}</li>
          </ol>
        </nav>
      ) : null}
      <header className="page-header with-actions">
        <div>
          <h1>{fixedList ? t('proposals.titleFor', { list: loc.name(fixedList) }) : t('proposals.title')}</h1>
          <p className="muted">{t('proposals.intro')}</p>
        </div>
        <div className="actions">
          <Link to={newHref} className="btn btn-primary" data-testid="new-proposal">
            {t('proposals.new')}
          </Link>
        </div>
      </header>

      <div className="filters">
        {!slug ? (
          <label className="field field-inline">
            <span>{t('proposals.filter.list')}</span>
            <select value={listFilter ?? ''} onChange={(e) => setFilter('list', e.target.value)}>
              <option value="">{t('proposals.filter.allLists')}</option>
              {(lists.data?.lists ?? []).map((l) => (
                <option key={l.slug} value={l.slug}>
                  {loc.name(l)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field field-inline">
          <span>{t('proposals.filter.status')}</span>
          <select
            value={status ?? ''}
            onChange={(e) => setFilter('status', e.target.value)}
            data-testid="status-filter"
          >
            <option value="">{t('proposals.filter.allStatuses')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`proposals.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>

      <ErrorAlert error={query.error} />
      {query.isLoading ? <Loading /> : null}
      {query.data ? (
        proposals.length === 0 ? (
          <p className="empty">{t('proposals.none')}</p>
        ) : (
          <div className="card table-card">
            <div className="table-wrap">
              <table className="table responsive-table" data-testid="proposals">
                <thead>
                  <tr>
                    <th>{t('proposals.table.title')}</th>
                    {!slug ? <th>{t('proposals.table.list')}</th> : null}
                    <th>{t('proposals.table.status')}</th>
                    <th className="num">{t('proposals.table.changes')}</th>
                    <th>{t('proposals.table.effective')}</th>
                    <th>{t('proposals.table.proposedBy')}</th>
                  </tr>
                </thead>
                <tbody>
                  {proposals.map((p) => (
                    <tr key={p.id} data-testid="proposal-row">
                      <td data-label={t('proposals.table.title')}>
                        <Link to={`/classification/proposals/${p.id}`} className="list-name">
                          {p.title}
                        </Link>
                        <div className="muted small">
                          {t('proposals.onVersion', { n: p.baseVersion })}
                          {p.resultingVersion !== null
                            ? ` → ${t('common.versionN', { n: p.resultingVersion })}`
                            : ''}
                        </div>
                      </td>
                      {!slug ? <td data-label={t('proposals.table.list')}>{loc.name(p.list)}</td> : null}
                      <td data-label={t('proposals.table.status')}>
                        <ProposalBadge status={p.status} />
                      </td>
                      <td data-label={t('proposals.table.changes')} className="num">
                        {p.changeCount}
                      </td>
                      <td data-label={t('proposals.table.effective')} className="nowrap">
                        {p.effectiveFrom}
                      </td>
                      <td data-label={t('proposals.table.proposedBy')}>
                        {p.proposedBy.name}
                        <div className="muted small nowrap">{loc.dateTime(p.createdAt)}</div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )
      ) : null}
    </section>
  );
}
