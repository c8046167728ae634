import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Route, Routes, useParams, useSearchParams } from 'react-router';
import { useMe } from '../../../auth';
import { Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Hex, KeyValues, Time } from '../../ledger/LedgerParts';
import { explorerApi, statementUrl, type ExplorerIssuance } from './api';
import { EntryLink, Num, Table } from './Parts';
import { RetirementPage } from './RetirementPage';
import { SupervisionPage } from './SupervisionPage';

const PAGE = 25;
function Pager({
  total,
  offset,
  onOffset,
}: {
  total: number;
  offset: number;
  onOffset: (o: number) => void;
}) {
  const { t } = useTranslation();
  if (total <= PAGE) return null;
  return (
    <div className="form-actions" data-testid="pager">
      <span className="muted small">
        {t('registryExplorer.pager', { from: offset + 1, to: Math.min(offset + PAGE, total), total })}
      </span>
      <button
        type="button"
        className="btn btn-secondary"
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - PAGE))}
      >
        {t('registryExplorer.previous')}
      </button>
      <button
        type="button"
        className="btn btn-secondary"
        disabled={offset + PAGE >= total}
        onClick={() => onOffset(offset + PAGE)}
      >
        {t('registryExplorer.next')}
      </button>
    </div>
  );
}

/** Filters kept in the address (shareable links); `offset` too. */
function useFilters(names: string[]) {
  const [params, setParams] = useSearchParams();
  const values = Object.fromEntries(names.map((n) => [n, params.get(n) ?? ''])) as Record<string, string>;
  const offset = Number(params.get('offset') ?? 0) || 0;
  const set = (next: Record<string, string>, nextOffset = 0) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) p.set(k, v);
    if (nextOffset) p.set('offset', String(nextOffset));
    setParams(p);
  };
  return { values, offset, set };
}

function FilterForm({
  fields,
  values,
  onApply,
}: {
  fields: { name: string; label: string; options?: { value: string; label: string }[] }[];
  values: Record<string, string>;
  onApply: (v: Record<string, string>) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(values);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  return (
    <form className="filters" onSubmit={submit} data-testid="explorer-filters">
      {fields.map((f) => (
        <label className="field" key={f.name}>
          {f.label}
          {f.options ? (
            <select
              value={draft[f.name] ?? ''}
              onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}
              data-testid={`filter-${f.name}`}
            >
              <option value="">{t('registryExplorer.any')}</option>
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          ) : (
            <input
              value={draft[f.name] ?? ''}
              maxLength={100}
              onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}
              data-testid={`filter-${f.name}`}
            />
          )}
        </label>
      ))}
      <div className="field" style={{ justifyContent: 'flex-end' }}>
        <button type="submit" className="btn btn-primary" data-testid="filter-apply">
          {t('registryExplorer.search')}
        </button>
      </div>
    </form>
  );
}

function ExplorerNav() {
  const { t } = useTranslation();
  const { user } = useMe();
  const supervisor = user?.memberships.some((m) => m.role === 'regulator' || m.role === 'registry_operator');
  const tabs: [string, string][] = [
    ['', 'overview'],
    ['projects', 'projects'],
    ['issuances', 'issuances'],
    ['retirements', 'retirements'],
    ...(supervisor ? ([['supervision', 'supervision']] as [string, string][]) : []),
  ];
  return (
    <nav className="filters" aria-label={t('registryExplorer.title')} data-testid="explorer-nav">
      {tabs.map(([to, key]) => (
        <NavLink
          key={key}
          to={`/registry/explorer${to ? '/' + to : ''}`}
          end={to === ''}
          className={({ isActive }) => `btn ${isActive ? 'btn-primary' : 'btn-secondary'}`}
          data-testid={`explorer-tab-${key}`}
        >
          {t(`registryExplorer.tabs.${key}`)}
        </NavLink>
      ))}
    </nav>
  );
}

function Overview() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['explorer', 'summary'],
    queryFn: ({ signal }) => explorerApi.summary(signal),
  });
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data) return <Loading />;
  const s = q.data;
  return (
    <>
      <section className="card" data-testid="explorer-summary">
        <KeyValues
          rows={[
            [t('registryExplorer.registry'), <span className="code">{s.registry}</span>],
            [t('registryExplorer.tabs.projects'), <Num n={s.projects} />],
            [t('registryExplorer.tabs.issuances'), <Num n={s.issuances} />],
            [t('registryExplorer.retirementsCount'), <Num n={s.retirements} />],
            [t('registryExplorer.cancellationsCount'), <Num n={s.cancellations} />],
          ]}
        />
        <p className="muted small">{t('registryExplorer.noBalances')}</p>
      </section>
      <section className="card table-card">
        <div className="card-header">
          <h2>{t('registryExplorer.byVintage')}</h2>
        </div>
        <Table
          testId="vintage-totals"
          empty={t('registryExplorer.empty')}
          head={[
            t('registryExplorer.vintage'),
            t('registryExplorer.unitType'),
            t('registryExplorer.issued'),
            t('registryExplorer.retired'),
            t('registryExplorer.cancelled'),
          ]}
          rows={s.byVintage.map((v) => ({
            key: `${v.vintage}-${v.unitType}`,
            cells: [
              v.vintage,
              v.unitType,
              <Num n={v.issued} />,
              <Num n={v.retired} />,
              <Num n={v.cancelled} />,
            ],
          }))}
        />
      </section>
      <section className="card table-card">
        <div className="card-header">
          <h2>{t('registryExplorer.article6')}</h2>
        </div>
        <p className="muted small">{t('registryExplorer.article6Intro')}</p>
        <Table
          testId="article6-totals"
          empty={t('registryExplorer.empty')}
          head={[
            t('registryExplorer.hostParty'),
            t('registryExplorer.authorizations'),
            t('registryExplorer.authorizedUnits'),
            t('registryExplorer.adjustments'),
            t('registryExplorer.adjustedUnits'),
          ]}
          rows={s.article6.map((a) => ({
            key: a.hostCountry,
            cells: [
              a.hostCountry,
              <Num n={a.authorizations} />,
              <Num n={a.authorizedUnits} />,
              <Num n={a.adjustments} />,
              <Num n={a.adjustedUnits} />,
            ],
          }))}
        />
      </section>
      {s.certificates.length > 0 ? (
        <section className="card table-card">
          <div className="card-header">
            <h2>{t('registryExplorer.certificates')}</h2>
          </div>
          <Table
            testId="certificate-totals"
            empty={t('registryExplorer.empty')}
            head={[
              t('registryExplorer.scheme'),
              t('registryExplorer.tabs.issuances'),
              t('registryExplorer.issued'),
              t('registryExplorer.cancellationsCount'),
              t('registryExplorer.cancelled'),
            ]}
            rows={s.certificates.map((c) => ({
              key: c.scheme,
              cells: [
                c.scheme,
                <Num n={c.issuances} />,
                <Num n={c.issued} />,
                <Num n={c.cancellations} />,
                <Num n={c.cancelled} />,
              ],
            }))}
          />
        </section>
      ) : null}
    </>
  );
}

const STATUSES = ['submitted', 'validated', 'registered', 'rejected', 'withdrawn'];

function Projects() {
  const { t } = useTranslation();
  const f = useFilters(['q', 'status', 'hostCountry']);
  const q = useQuery({
    queryKey: ['explorer', 'projects', f.values, f.offset],
    queryFn: ({ signal }) =>
      explorerApi.projects(
        { ...f.values, hostCountry: f.values['hostCountry']?.toUpperCase(), limit: PAGE, offset: f.offset },
        signal,
      ),
  });
  return (
    <section className="card table-card">
      <FilterForm
        values={f.values}
        onApply={(v) => f.set(v)}
        fields={[
          { name: 'q', label: t('registryExplorer.searchProjects') },
          {
            name: 'status',
            label: t('registryExplorer.status'),
            options: STATUSES.map((s) => ({ value: s, label: t(`registryExplorer.statuses.${s}`) })),
          },
          { name: 'hostCountry', label: t('registryExplorer.hostCountry') },
        ]}
      />
      <ErrorAlert error={q.error} />
      {q.data ? (
        <>
          <Table
            testId="projects-table"
            empty={t('registryExplorer.empty')}
            head={[
              t('registryExplorer.code'),
              t('registryExplorer.name'),
              t('registryExplorer.hostCountry'),
              t('registryExplorer.sector'),
              t('registryExplorer.methodology'),
              t('registryExplorer.status'),
              t('registryExplorer.issued'),
            ]}
            rows={q.data.projects.map((p) => ({
              key: p.id,
              cells: [
                <Link to={`/registry/explorer/projects/${encodeURIComponent(p.code)}`} className="code">
                  {p.code}
                </Link>,
                p.name,
                p.hostCountry,
                p.sector,
                p.methodology,
                t(`registryExplorer.statuses.${p.status}`, { defaultValue: p.status }),
                <Num n={p.issued} />,
              ],
            }))}
          />
          <Pager total={q.data.total} offset={f.offset} onOffset={(o) => f.set(f.values, o)} />
        </>
      ) : q.error ? null : (
        <Loading />
      )}
    </section>
  );
}

function IssuanceTable({ items }: { items: ExplorerIssuance[] }) {
  const { t } = useTranslation();
  return (
    <Table
      testId="issuances-table"
      empty={t('registryExplorer.empty')}
      head={[
        t('registryExplorer.project'),
        t('registryExplorer.vintage'),
        t('registryExplorer.quantity'),
        t('registryExplorer.serials'),
        t('registryExplorer.retired'),
        t('registryExplorer.cancelled'),
        t('registryExplorer.ledgerEntry'),
      ]}
      rows={items.map((i) => ({
        key: i.id,
        cells: [
          <Link to={`/registry/explorer/projects/${encodeURIComponent(i.projectCode)}`}>
            {i.projectCode} {i.projectName}
          </Link>,
          `${i.vintage} ${i.unitType}`,
          <Num n={i.quantity} />,
          <span className="code wrap-anywhere">{i.serial}</span>,
          <Num n={i.retired} />,
          <Num n={i.cancelled} />,
          <EntryLink ledger={i.ledger} />,
        ],
      }))}
    />
  );
}

function Issuances() {
  const { t } = useTranslation();
  const f = useFilters(['project', 'vintage']);
  const q = useQuery({
    queryKey: ['explorer', 'issuances', f.values, f.offset],
    queryFn: ({ signal }) => explorerApi.issuances({ ...f.values, limit: PAGE, offset: f.offset }, signal),
  });
  return (
    <section className="card table-card">
      <FilterForm
        values={f.values}
        onApply={(v) => f.set(v)}
        fields={[
          { name: 'project', label: t('registryExplorer.projectCode') },
          { name: 'vintage', label: t('registryExplorer.vintage') },
        ]}
      />
      <ErrorAlert error={q.error} />
      {q.data ? (
        <>
          <IssuanceTable items={q.data.issuances} />
          <Pager total={q.data.total} offset={f.offset} onOffset={(o) => f.set(f.values, o)} />
        </>
      ) : q.error ? null : (
        <Loading />
      )}
    </section>
  );
}

function Retirements() {
  const { t } = useTranslation();
  const f = useFilters(['kind', 'beneficiary', 'project', 'vintage']);
  const q = useQuery({
    queryKey: ['explorer', 'retirements', f.values, f.offset],
    queryFn: ({ signal }) => explorerApi.retirements({ ...f.values, limit: PAGE, offset: f.offset }, signal),
  });
  return (
    <section className="card table-card">
      <FilterForm
        values={f.values}
        onApply={(v) => f.set(v)}
        fields={[
          {
            name: 'kind',
            label: t('registryExplorer.kind'),
            options: ['retirement', 'cancellation'].map((k) => ({
              value: k,
              label: t(`registryExplorer.kinds.${k}`),
            })),
          },
          { name: 'beneficiary', label: t('registryExplorer.beneficiary') },
          { name: 'project', label: t('registryExplorer.projectCode') },
          { name: 'vintage', label: t('registryExplorer.vintage') },
        ]}
      />
      <ErrorAlert error={q.error} />
      {q.data ? (
        <>
          <Table
            testId="retirements-table"
            empty={t('registryExplorer.empty')}
            head={[
              t('registryExplorer.date'),
              t('registryExplorer.kind'),
              t('registryExplorer.quantity'),
              t('registryExplorer.beneficiary'),
              t('registryExplorer.purpose'),
              t('registryExplorer.project'),
              t('registryExplorer.ledgerEntry'),
              '',
            ]}
            rows={q.data.retirements.map((r) => ({
              key: r.id,
              cells: [
                <Link to={`/registry/explorer/retirements/${r.id}`} data-testid="retirement-link">
                  <Time iso={r.createdAt} />
                </Link>,
                t(`registryExplorer.kinds.${r.kind}`),
                <Num n={r.quantity} />,
                r.beneficiary ?? '–',
                r.purpose ?? '–',
                [...new Set(r.ranges.map((g) => `${g.projectCode} (${g.vintage})`))].join(', '),
                <EntryLink ledger={r.ledger} />,
                r.statementPath ? (
                  <a href={statementUrl(r.id)} target="_blank" rel="noreferrer">
                    {t('registryExplorer.statement')}
                  </a>
                ) : null,
              ],
            }))}
          />
          <Pager total={q.data.total} offset={f.offset} onOffset={(o) => f.set(f.values, o)} />
        </>
      ) : q.error ? null : (
        <Loading />
      )}
    </section>
  );
}

function ProjectPage() {
  const { t } = useTranslation();
  const { code = '' } = useParams();
  const q = useQuery({
    queryKey: ['explorer', 'project', code],
    queryFn: ({ signal }) => explorerApi.project(code, signal),
  });
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data) return <Loading />;
  const p = q.data;
  return (
    <div data-testid="explorer-project">
      <section className="card">
        <div className="card-header">
          <h2>
            <span className="code">{p.code}</span> {p.name}
          </h2>
        </div>
        <KeyValues
          rows={[
            [t('registryExplorer.proponent'), p.proponent],
            [
              t('registryExplorer.status'),
              t(`registryExplorer.statuses.${p.status}`, { defaultValue: p.status }),
            ],
            [t('registryExplorer.hostCountry'), p.hostCountry],
            [t('registryExplorer.sector'), p.sector],
            [t('registryExplorer.methodology'), p.methodology],
            [
              t('registryExplorer.creditingPeriods'),
              p.creditingPeriods.map((c) => `${c.starts} – ${c.ends}`).join('; ') || '–',
            ],
            [t('registryExplorer.issued'), <Num n={p.issued} />],
            ...(p.labels.length
              ? [[t('registryExplorer.labels'), p.labels.join(', ')] as [string, ReactNode]]
              : []),
          ]}
        />
        {p.description ? <p>{p.description}</p> : null}
      </section>
      {p.documents.length > 0 ? (
        <section className="card">
          <div className="card-header">
            <h2>{t('registryExplorer.documents')}</h2>
          </div>
          <KeyValues rows={p.documents.map((d) => [d.name, d.sha256 ? <Hex value={d.sha256} /> : '–'])} />
        </section>
      ) : null}
      <section className="card table-card">
        <div className="card-header">
          <h2>{t('registryExplorer.tabs.issuances')}</h2>
        </div>
        <IssuanceTable items={p.issuances} />
      </section>
      {p.entries.length > 0 ? (
        <section className="card">
          <div className="card-header">
            <h2>{t('registryExplorer.entries')}</h2>
          </div>
          <KeyValues
            rows={p.entries.map((e) => [
              `#${e.index}`,
              <span>
                <Link to={e.entryPath}>{e.type}</Link> <Time iso={e.time} />
              </span>,
            ])}
          />
        </section>
      ) : null}
    </div>
  );
}

/** The public explorer (no sign-in) and, for a regulator or the registry operator, the supervision view. */
export function ExplorerPage() {
  const { t } = useTranslation();
  return (
    <section className="page" data-testid="explorer-page">
      <header className="page-header">
        <h1>{t('registryExplorer.title')}</h1>
        <p className="muted">{t('registryExplorer.intro')}</p>
      </header>
      <ExplorerNav />
      <Routes>
        <Route index element={<Overview />} />
        <Route path="projects" element={<Projects />} />
        <Route path="projects/:code" element={<ProjectPage />} />
        <Route path="issuances" element={<Issuances />} />
        <Route path="retirements" element={<Retirements />} />
        <Route path="retirements/:id" element={<RetirementPage />} />
        <Route path="supervision" element={<SupervisionPage />} />
      </Routes>
    </section>
  );
}
