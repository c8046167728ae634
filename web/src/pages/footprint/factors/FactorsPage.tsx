import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLocalize } from '../../../format';
import { factorsApi, type Factor, type FactorRelease } from './api';

const PAGE = 25;
const FILTERS = ['q', 'activity', 'region', 'year'] as const;
type Filter = (typeof FILTERS)[number];
const EXAMPLES = ['natural gas', 'diesel', 'coal', 'electricity China', 'cement'];

/** The emission-factor library: search with filters, one factor's detail, the releases. */
export function FactorsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const current = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<Filter, string>;
  const offset = Number(params.get('offset') ?? 0) || 0;
  const selected = params.get('factor');
  const [form, setForm] = useState(current);

  // Follow the URL (back/forward, example links) into the form.
  const [seen, setSeen] = useState(params.toString());
  if (params.toString() !== seen) {
    setSeen(params.toString());
    setForm(current);
  }

  const searching = FILTERS.some((f) => current[f]);
  const query = useQuery({
    queryKey: ['factors', 'search', current, offset],
    queryFn: ({ signal }) => factorsApi.search({ ...current, limit: PAGE, offset }, signal),
    enabled: searching,
    placeholderData: keepPreviousData,
  });
  const releases = useQuery({
    queryKey: ['factors', 'releases'],
    queryFn: ({ signal }) => factorsApi.releases(signal),
  });

  const go = (next: Partial<Record<Filter | 'offset' | 'factor', string>>) => {
    const p = new URLSearchParams();
    const merged = { ...current, offset: String(offset || ''), factor: selected ?? '', ...next };
    for (const [k, v] of Object.entries(merged)) if (v && v !== '0') p.set(k, v);
    setParams(p);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = Object.fromEntries(FILTERS.map((f) => [f, form[f].trim()]));
    go({ ...trimmed, offset: '', factor: '' });
  };

  const results = query.data?.results ?? [];
  const total = query.data?.total ?? 0;
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('factors.title')}</h1>
        <p className="muted">{t('factors.intro')}</p>
      </header>

      <form className="card factor-search" role="search" onSubmit={submit} data-testid="factor-search-form">
        <div className="search-form">
          <input
            type="search"
            value={form.q}
            onChange={(e) => setForm({ ...form, q: e.target.value })}
            placeholder={t('factors.placeholder')}
            aria-label={t('factors.placeholder')}
            data-testid="factor-search"
            autoFocus
          />
          <button type="submit" className="btn btn-primary" data-testid="factor-search-submit">
            {t('factors.submit')}
          </button>
        </div>
        <div className="filters">
          {(['activity', 'region', 'year'] as const).map((f) => (
            <label key={f} className="field-inline">
              <span>{t(`factors.filter.${f}`)}</span>
              <input
                value={form[f]}
                onChange={(e) => setForm({ ...form, [f]: e.target.value })}
                placeholder={t(`factors.filter.${f}Hint`)}
                inputMode={f === 'year' ? 'numeric' : 'text'}
                size={f === 'year' ? 6 : 16}
                data-testid={`factor-filter-${f}`}
              />
            </label>
          ))}
        </div>
      </form>

      {!searching ? (
        <div className="examples">
          <span className="muted">{t('factors.examples')}</span>
          {EXAMPLES.map((ex) => (
            <button
              key={ex}
              type="button"
              className="chip"
              onClick={() => go({ q: ex, offset: '', factor: '' })}
            >
              {ex}
            </button>
          ))}
        </div>
      ) : null}

      <ErrorAlert error={query.error} />
      {query.isLoading ? <Loading /> : null}
      {searching && query.data && !query.error ? (
        <div className="card table-card">
          <div className="card-header">
            <p className="muted result-count" aria-live="polite" data-testid="factor-count">
              {t('factors.count', {
                count: total,
                from: total ? offset + 1 : 0,
                to: offset + results.length,
              })}
            </p>
          </div>
          {results.length > 0 ? (
            <FactorTable factors={results} selected={selected} onSelect={(id) => go({ factor: id })} />
          ) : (
            <p className="empty">{t('factors.none')}</p>
          )}
          {total > PAGE ? (
            <div className="form-actions">
              <button
                type="button"
                className="btn btn-secondary"
                disabled={offset === 0}
                onClick={() => go({ offset: String(Math.max(0, offset - PAGE)) })}
              >
                {t('factors.previous')}
              </button>
              <button
                type="button"
                className="btn btn-secondary"
                disabled={offset + PAGE >= total}
                onClick={() => go({ offset: String(offset + PAGE) })}
              >
                {t('factors.next')}
              </button>
            </div>
          ) : null}
        </div>
      ) : null}

      {selected ? <FactorDetail id={selected} onClose={() => go({ factor: '' })} /> : null}

      <div className="card table-card">
        <div className="card-header">
          <h2>{t('factors.releases.title')}</h2>
        </div>
        <ErrorAlert error={releases.error} />
        {releases.data ? <ReleaseTable releases={releases.data.releases} /> : <Loading />}
      </div>
    </section>
  );
}

function FactorTable({
  factors,
  selected,
  onSelect,
}: {
  factors: Factor[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="table-wrap">
      <table className="table responsive-table" data-testid="factor-results">
        <thead>
          <tr>
            <th>{t('factors.col.name')}</th>
            <th>{t('factors.col.activity')}</th>
            <th className="num">{t('factors.col.value')}</th>
            <th>{t('factors.col.unit')}</th>
            <th>{t('factors.col.region')}</th>
            <th>{t('factors.col.year')}</th>
            <th>{t('factors.col.release')}</th>
          </tr>
        </thead>
        <tbody>
          {factors.map((f) => (
            <tr
              key={f.id}
              className={f.id === selected ? 'selected' : undefined}
              data-testid="factor-row"
              data-key={f.key}
            >
              <td data-label={t('factors.col.name')}>
                <button
                  type="button"
                  className="btn-link"
                  onClick={() => onSelect(f.id)}
                  data-testid="factor-open"
                >
                  {f.name}
                </button>
              </td>
              <td data-label={t('factors.col.activity')}>
                <code>{f.activity}</code>
              </td>
              <td className="num" data-label={t('factors.col.value')} data-testid="factor-value">
                {f.value}
              </td>
              <td data-label={t('factors.col.unit')} className="nowrap">
                {t('factors.perUnit', { unit: f.unit })}
              </td>
              <td data-label={t('factors.col.region')}>{f.region}</td>
              <td data-label={t('factors.col.year')}>{f.year}</td>
              <td data-label={t('factors.col.release')}>
                <span className="nowrap">
                  {f.release}@{f.releaseVersion}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FactorDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: ['factors', 'one', id],
    queryFn: ({ signal }) => factorsApi.factor(id, signal),
  });
  if (query.error) return <ErrorAlert error={query.error} />;
  if (!query.data) return <Loading />;
  const f = query.data.factor;
  const unit = f.unit;
  const rows = (entries: [string, string | null][], suffix: string) =>
    entries
      .filter(([, v]) => v !== null)
      .map(([k, v]) => (
        <div className="kv-row" key={k}>
          <dt>{t(k)}</dt>
          <dd className="num">
            {v} {suffix}
          </dd>
        </div>
      ));
  const split = rows(
    [
      ['factors.split.fossil', f.split.fossil],
      ['factors.split.biogenic', f.split.biogenic],
      ['factors.split.biogenicRemoval', f.split.biogenicRemoval],
      ['factors.split.luc', f.split.luc],
      ['factors.split.aircraft', f.split.aircraft],
    ],
    t('factors.kgCo2ePer', { unit }),
  );
  const gases = rows(
    [
      ['factors.gas.co2', f.gases.co2],
      ['factors.gas.ch4', f.gases.ch4],
      ['factors.gas.n2o', f.gases.n2o],
    ],
    t('factors.kgPer', { unit }),
  ).concat(rows([['factors.gas.otherGhg', f.gases.otherGhg]], t('factors.kgCo2ePer', { unit })));
  const q = f.quality;
  const dq = (['technological', 'temporal', 'geographical', 'completeness', 'reliability'] as const).filter(
    (k) => q[k] !== null,
  );
  return (
    <article className="card factor-detail" data-testid="factor-detail" aria-labelledby="factor-detail-title">
      <div className="card-header title-row">
        <h2 id="factor-detail-title">{f.name}</h2>
        <button type="button" className="btn btn-link" onClick={onClose}>
          {t('factors.close')}
        </button>
      </div>
      <p className="factor-value" data-testid="factor-detail-value">
        <strong>{f.value}</strong> {t('factors.kgCo2ePer', { unit })}
        {f.gwpSet ? <Badge tone="blue">{t('factors.gwp', { set: f.gwpSet })}</Badge> : null}
        {f.releaseStatus === 'draft' ? <Badge tone="amber">{t('factors.draft')}</Badge> : null}
      </p>
      <dl className="kv">
        <div className="kv-row">
          <dt>{t('factors.col.activity')}</dt>
          <dd>
            <code>{f.activity}</code>
          </dd>
        </div>
        <div className="kv-row">
          <dt>{t('factors.key')}</dt>
          <dd>
            <code>{f.key}</code>
          </dd>
        </div>
        <div className="kv-row">
          <dt>{t('factors.col.region')}</dt>
          <dd>{f.region}</dd>
        </div>
        <div className="kv-row">
          <dt>{t('factors.col.year')}</dt>
          <dd>{f.year}</dd>
        </div>
        <div className="kv-row">
          <dt>{t('factors.col.release')}</dt>
          <dd>
            {f.release}@{f.releaseVersion}
          </dd>
        </div>
        <div className="kv-row">
          <dt>{t('factors.source')}</dt>
          <dd data-testid="factor-source">{f.source}</dd>
        </div>
        <div className="kv-row">
          <dt>{t('factors.licence')}</dt>
          <dd>{f.licence}</dd>
        </div>
        {f.tags.length > 0 ? (
          <div className="kv-row">
            <dt>{t('factors.tags')}</dt>
            <dd className="badges">
              {f.tags.map((tag) => (
                <Badge key={tag} tone="gray">
                  {tag}
                </Badge>
              ))}
            </dd>
          </div>
        ) : null}
      </dl>
      {split.length > 0 ? (
        <>
          <h3 className="block-title">{t('factors.split.title')}</h3>
          <dl className="kv" data-testid="factor-split">
            {split}
          </dl>
        </>
      ) : (
        <p className="muted">{t('factors.split.allFossil')}</p>
      )}
      {gases.length > 0 ? (
        <>
          <h3 className="block-title">{t('factors.gas.title')}</h3>
          <dl className="kv" data-testid="factor-gases">
            {gases}
          </dl>
        </>
      ) : null}
      {dq.length > 0 ? (
        <>
          <h3 className="block-title">{t('factors.dq.title')}</h3>
          <dl className="kv" data-testid="factor-quality">
            {dq.map((k) => (
              <div className="kv-row" key={k}>
                <dt>{t(`factors.dq.${k}`)}</dt>
                <dd>{t(`factors.dq.rating${q[k]}`)}</dd>
              </div>
            ))}
          </dl>
        </>
      ) : null}
    </article>
  );
}

function ReleaseTable({ releases }: { releases: FactorRelease[] }) {
  const { t } = useTranslation();
  const loc = useLocalize();
  return (
    <div className="table-wrap">
      <table className="table responsive-table" data-testid="factor-releases">
        <thead>
          <tr>
            <th>{t('factors.releases.release')}</th>
            <th>{t('factors.releases.name')}</th>
            <th>{t('factors.releases.owner')}</th>
            <th className="num">{t('factors.releases.count')}</th>
            <th>{t('factors.releases.licence')}</th>
            <th>{t('factors.releases.published')}</th>
          </tr>
        </thead>
        <tbody>
          {releases.map((r) => (
            <tr key={r.id} data-testid="factor-release" data-slug={r.slug}>
              <td data-label={t('factors.releases.release')}>
                <code>
                  {r.slug}@{r.version}
                </code>
              </td>
              <td data-label={t('factors.releases.name')}>{r.name}</td>
              <td data-label={t('factors.releases.owner')}>
                {r.owner ? r.owner.name : t('factors.releases.public')}
              </td>
              <td className="num" data-label={t('factors.releases.count')}>
                {r.factorCount}
              </td>
              <td data-label={t('factors.releases.licence')}>{r.licence}</td>
              <td data-label={t('factors.releases.published')}>
                {r.status === 'published' ? (
                  loc.dateTime(r.publishedAt)
                ) : (
                  <Badge tone="amber">{t('factors.draft')}</Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
