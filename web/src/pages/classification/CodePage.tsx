import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, type ListMembership, type MatchedEntry } from '../../api';
import { Loading, MembershipBadge } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatEdition, today, useLocalize } from '../../format';

function Via({ entry }: { entry: MatchedEntry }) {
  const { t } = useTranslation();
  if (!entry.via) return null;
  return (
    <div className="via" data-testid="via">
      {t('code.via', {
        edition: formatEdition(entry.via.fromEdition),
        code: entry.via.fromCode,
        relation: entry.via.relation,
      })}
    </div>
  );
}

function MembershipRow({ m }: { m: ListMembership }) {
  const { t } = useTranslation();
  const loc = useLocalize();
  return (
    <tr data-testid="membership-row" data-list={m.list.slug} data-status={m.status}>
      <td data-label={t('code.table.list')}>
        <Link to={`/classification/lists/${m.list.slug}`} className="list-name">
          {loc.name(m.list)}
        </Link>
      </td>
      <td data-label={t('code.table.version')}>
        {m.version ? (
          <>
            <span className="nowrap">{t('common.versionN', { n: m.version.number })}</span>
            <div className="muted small nowrap">
              {t('common.effective')} {m.version.effectiveFrom}
            </div>
          </>
        ) : (
          <span className="muted">{t('code.notInForce')}</span>
        )}
      </td>
      <td data-label={t('code.table.status')}>
        <MembershipBadge status={m.status} />
      </td>
      <td data-label={t('code.table.entries')}>
        {m.entries.length === 0 ? (
          <span className="muted">{t('code.noEntries')}</span>
        ) : (
          <ul className="entry-list">
            {m.entries.map((e, i) => (
              <li key={`${e.code}-${i}`} data-testid="matched-entry">
                <div className="entry-head">
                  <span className="code">{e.code}</span>
                  <span className="muted small">{formatEdition(e.hsEdition)}</span>
                  {e.rule === 'exclude' ? (
                    <span className="badge badge-red">{t('entry.rule.exclude')}</span>
                  ) : null}
                  <span className={`badge ${e.coverage === 'full' ? 'badge-green' : 'badge-amber'}`}>
                    {t(`entry.coverage.${e.coverage}`)}
                  </span>
                  {e.category ? (
                    <span className="badge badge-outline">{loc.category(e.category)}</span>
                  ) : null}
                </div>
                {e.scopeNote || e.scopeNoteZh ? (
                  <div className="scope-note">{loc.text(e.scopeNote, e.scopeNoteZh)}</div>
                ) : null}
                <Via entry={e} />
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

export function CodePage() {
  const { code = '' } = useParams();
  const { t } = useTranslation();
  const loc = useLocalize();
  const [params, setParams] = useSearchParams();
  const asOf = params.get('asOf') ?? '';

  const query = useQuery({
    queryKey: ['classification', 'code', code, asOf],
    queryFn: ({ signal }) => api.code(code, asOf || undefined, signal),
    // While another date is asked, keep showing this code; never show another code's data.
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[2] === code ? previous : undefined,
  });
  const data = query.data;

  const setAsOf = (value: string) => setParams(value ? { asOf: value } : {}, { replace: true });

  return (
    <section className="page">
      <ErrorAlert error={query.error} />
      {!data && query.isFetching ? <Loading /> : null}
      {data ? (
        <>
          <nav className="breadcrumb" aria-label={t('code.hierarchy')} data-testid="breadcrumb">
            <ol>
              <li data-testid="section">
                <span className="crumb-kind">
                  {t('level.section')} {data.section.id}
                </span>{' '}
                <span>{loc.name(data.section)}</span>
              </li>
              {data.ancestors.map((a) => (
                <li key={a.code}>
                  <Link to={`/classification/codes/${a.code}`}>
                    <span className="code">{a.code}</span> {loc.text(a.description, a.nameZh)}
                  </Link>
                </li>
              ))}
              <li aria-current="page">
                <span className="code">{data.code}</span>
              </li>
            </ol>
          </nav>

          <header className="page-header code-header">
            <div>
              <div className="code-title">
                <h1 className="code" data-testid="code-title">
                  {data.code}
                </h1>
                <span className="badge badge-gray">{t(`level.${data.level}`)}</span>
                <span className="badge badge-outline">{formatEdition(data.edition)}</span>
              </div>
              <p className="code-description" data-testid="code-description">
                {loc.text(data.description, data.nameZh)}
              </p>
              {data.formerCodes && data.formerCodes.length > 0 ? (
                <p className="muted small former-codes" data-testid="former-codes">
                  <span className="label">{t('code.formerCodes')}</span>
                  {data.formerCodes.map((f, i) => (
                    <span key={`${f.edition}-${f.code}`} className="nowrap">
                      {i > 0 ? ', ' : ''}
                      {formatEdition(f.edition)} <span className="code">{f.code}</span> ({f.relation})
                    </span>
                  ))}
                </p>
              ) : null}
            </div>
            <div className="as-of">
              <label className="field field-inline">
                <span>{t('code.asOf')}</span>
                <input
                  type="date"
                  value={asOf}
                  max="9999-12-31"
                  onChange={(e) => setAsOf(e.target.value)}
                  data-testid="as-of"
                />
              </label>
              {asOf ? (
                <button type="button" className="btn btn-link" onClick={() => setAsOf('')}>
                  {t('code.asOfToday')}
                </button>
              ) : (
                <span className="muted small">{t('code.asOfHint', { date: today() })}</span>
              )}
            </div>
          </header>

          <section className="card" aria-labelledby="memberships-title">
            <div className="card-header">
              <h2 id="memberships-title">{t('code.memberships')}</h2>
              {query.isFetching ? <span className="muted small">{t('common.loading')}</span> : null}
            </div>
            {data.memberships.length === 0 ? (
              <p className="empty">{t('code.noLists')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table responsive-table" data-testid="memberships">
                  <thead>
                    <tr>
                      <th>{t('code.table.list')}</th>
                      <th>{t('code.table.version')}</th>
                      <th>{t('code.table.status')}</th>
                      <th>{t('code.table.entries')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.memberships.map((m) => (
                      <MembershipRow key={m.list.slug} m={m} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>

          {data.children.length > 0 ? (
            <section className="card" aria-labelledby="children-title">
              <div className="card-header">
                <h2 id="children-title">{t('code.children')}</h2>
                <span className="muted small">{data.children.length}</span>
              </div>
              <ul className="result-list compact" data-testid="children">
                {data.children.map((c) => (
                  <li key={c.code}>
                    <Link to={`/classification/codes/${c.code}`} className="result">
                      <span className="code">{c.code}</span>
                      <span className="badge badge-gray">{t(`level.${c.level}`)}</span>
                      <span className="result-desc">{loc.text(c.description, c.nameZh)}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
