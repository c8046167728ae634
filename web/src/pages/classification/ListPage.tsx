import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../../api';
import { Loading } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatEdition, useLocalize } from '../../format';
import { diffRows } from './diff';
import { DiffTable } from './DiffView';
import { EntryTable } from './EntryTable';

const num = (v: string | null): number | undefined => {
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

export function ListPage() {
  const { slug = '' } = useParams();
  const { t } = useTranslation();
  const loc = useLocalize();
  const [params, setParams] = useSearchParams();

  const listQuery = useQuery({
    queryKey: ['classification', 'list', slug],
    queryFn: ({ signal }) => api.list(slug, signal),
  });
  const list = listQuery.data?.list;
  const versions = [...(listQuery.data?.versions ?? [])].sort((a, b) => b.number - a.number);
  const latest = versions[0]?.number;

  const chosen = num(params.get('version')) ?? list?.currentVersion?.number ?? latest;
  const to = num(params.get('to')) ?? latest;
  const from =
    num(params.get('from')) ??
    (to !== undefined && versions.some((v) => v.number < to)
      ? versions.find((v) => v.number < to)?.number
      : undefined);

  const update = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  const versionQuery = useQuery({
    queryKey: ['classification', 'list', slug, 'version', chosen],
    queryFn: ({ signal }) => api.listVersion(slug, chosen!, signal),
    enabled: chosen !== undefined,
  });

  const diffQuery = useQuery({
    queryKey: ['classification', 'list', slug, 'diff', from, to],
    queryFn: ({ signal }) => api.listDiff(slug, from!, to!, signal),
    enabled: from !== undefined && to !== undefined && from !== to,
  });

  if (listQuery.error) return <ErrorAlert error={listQuery.error} />;
  if (!list) return <Loading />;

  return (
    <section className="page">
      <nav className="breadcrumb" aria-label={t('common.breadcrumb')}>
        <ol>
          <li>
            <Link to="/classification/lists">{t('lists.title')}</Link>
          </li>
          <li aria-current="page">{loc.name(list)}</li>
        </ol>
      </nav>
      <header className="page-header with-actions">
        <div>
          <h1 data-testid="list-title">{loc.name(list)}</h1>
          <p className="muted">{loc.text(list.description, list.descriptionZh)}</p>
          <dl className="meta">
            <div>
              <dt>{t('lists.table.owner')}</dt>
              <dd>{list.owner.name}</dd>
            </div>
            <div>
              <dt>{t('lists.table.edition')}</dt>
              <dd>{formatEdition(list.hsEdition)}</dd>
            </div>
            <div>
              <dt>{t('lists.visibilityLabel')}</dt>
              <dd>{t(`lists.visibility.${list.visibility}`, { defaultValue: list.visibility })}</dd>
            </div>
            <div>
              <dt>{t('lists.table.current')}</dt>
              <dd>
                {list.currentVersion
                  ? `${t('common.versionN', { n: list.currentVersion.number })} · ${list.currentVersion.effectiveFrom}`
                  : t('lists.noVersion')}
              </dd>
            </div>
          </dl>
        </div>
        <div className="actions">
          <Link to={`/classification/lists/${slug}/proposals`} className="btn btn-secondary">
            {t('lists.proposals')}
          </Link>
          <Link to={`/classification/lists/${slug}/proposals/new`} className="btn btn-primary">
            {t('proposals.new')}
          </Link>
        </div>
      </header>

      <section className="card" aria-labelledby="versions-title">
        <div className="card-header">
          <h2 id="versions-title">{t('lists.versions')}</h2>
        </div>
        {versions.length === 0 ? (
          <p className="empty">{t('lists.noVersion')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table responsive-table" data-testid="versions">
              <thead>
                <tr>
                  <th>{t('lists.version.number')}</th>
                  <th>{t('lists.version.effective')}</th>
                  <th>{t('lists.version.changelog')}</th>
                  <th className="num">{t('lists.version.entries')}</th>
                  <th>{t('lists.version.created')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.number} className={v.number === chosen ? 'selected' : ''}>
                    <td data-label={t('lists.version.number')} className="nowrap">
                      {t('common.versionN', { n: v.number })}
                      {v.number === list.currentVersion?.number ? (
                        <span className="badge badge-green">{t('lists.current')}</span>
                      ) : null}
                    </td>
                    <td data-label={t('lists.version.effective')} className="nowrap">
                      {v.effectiveFrom}
                    </td>
                    <td data-label={t('lists.version.changelog')} className="changelog">
                      {v.changelog}
                    </td>
                    <td data-label={t('lists.version.entries')} className="num">
                      {v.entryCount}
                    </td>
                    <td data-label={t('lists.version.created')} className="nowrap muted">
                      {loc.dateTime(v.createdAt)}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-link"
                        onClick={() => update({ version: String(v.number) })}
                        disabled={v.number === chosen}
                      >
                        {t('lists.showEntries')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {chosen !== undefined ? (
        <section className="card" aria-labelledby="entries-title">
          <div className="card-header">
            <h2 id="entries-title">{t('lists.entriesOf', { n: chosen })}</h2>
            <label className="field field-inline">
              <span>{t('lists.version.number')}</span>
              <select
                value={chosen}
                onChange={(e) => update({ version: e.target.value })}
                data-testid="version-select"
              >
                {versions.map((v) => (
                  <option key={v.number} value={v.number}>
                    {t('common.versionN', { n: v.number })} · {v.effectiveFrom}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <ErrorAlert error={versionQuery.error} />
          {versionQuery.isLoading ? <Loading /> : null}
          {versionQuery.data ? (
            <>
              <p className="muted small">
                {formatEdition(versionQuery.data.version.hsEdition)} · {t('common.effective')}{' '}
                {versionQuery.data.version.effectiveFrom} ·{' '}
                {t('lists.entryCount', { count: versionQuery.data.entries.length })}
              </p>
              <EntryTable entries={versionQuery.data.entries} testId="entries" />
            </>
          ) : null}
        </section>
      ) : null}

      {versions.length > 1 ? (
        <section className="card" aria-labelledby="diff-title">
          <div className="card-header">
            <h2 id="diff-title">{t('diff.title')}</h2>
            <div className="inline-fields">
              <label className="field field-inline">
                <span>{t('diff.from')}</span>
                <select
                  value={from ?? ''}
                  onChange={(e) => update({ from: e.target.value })}
                  data-testid="diff-from"
                >
                  {versions.map((v) => (
                    <option key={v.number} value={v.number}>
                      {t('common.versionN', { n: v.number })}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field field-inline">
                <span>{t('diff.to')}</span>
                <select
                  value={to ?? ''}
                  onChange={(e) => update({ to: e.target.value })}
                  data-testid="diff-to"
                >
                  {versions.map((v) => (
                    <option key={v.number} value={v.number}>
                      {t('common.versionN', { n: v.number })}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          </div>
          {from === to ? <p className="empty">{t('diff.same')}</p> : null}
          <ErrorAlert error={diffQuery.error} />
          {diffQuery.isLoading ? <Loading /> : null}
          {diffQuery.data && from !== to ? (
            <>
              <p className="diff-summary">
                <span className="badge badge-green">
                  {t('diff.addedN', { count: diffQuery.data.added.length })}
                </span>
                <span className="badge badge-red">
                  {t('diff.removedN', { count: diffQuery.data.removed.length })}
                </span>
                <span className="badge badge-amber">
                  {t('diff.changedN', { count: diffQuery.data.changed.length })}
                </span>
              </p>
              <DiffTable rows={diffRows(diffQuery.data)} testId="diff" />
            </>
          ) : null}
        </section>
      ) : null}
    </section>
  );
}
