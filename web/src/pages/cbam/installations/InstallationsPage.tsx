import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router';
import { useMe } from '../../../auth';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import {
  communicationUrl,
  installationsApi,
  type Calculation,
  type InstallationSummary,
  type IssuedFile,
} from './api';

const KEY = 'cbam-installations';
/** The server refuses bodies over 1 MiB; a file over that is refused here before it is sent. */
const MAX_BYTES = 1 << 20;

/**
 * The exporter's installations: the organisation's installations, creating one (or a new version)
 * from a JSON file or pasted JSON, and an installation's calculation per good, with defaults
 * marked, warnings shown, and its communication file for the EU importer.
 */
export function InstallationsPage() {
  return (
    <Routes>
      <Route index element={<InstallationList />} />
      <Route path=":id" element={<KeyedDetail />} />
    </Routes>
  );
}

function InstallationList() {
  const { t } = useTranslation();
  const list = useQuery({ queryKey: [KEY, 'list'], queryFn: ({ signal }) => installationsApi.list(signal) });
  const rows = list.data?.installations ?? [];
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('cbam.installations.title')}</h1>
        <p className="muted">{t('cbam.installations.intro')}</p>
      </header>
      <ErrorAlert error={list.error} />
      <div className="card table-card">
        <h2>{t('cbam.installations.list')}</h2>
        {list.isLoading ? <Loading /> : null}
        {list.data && rows.length === 0 ? <p className="empty">{t('cbam.installations.none')}</p> : null}
        {rows.length > 0 ? <InstallationTable rows={rows} /> : null}
      </div>
      <DataForm mode="create" />
    </section>
  );
}

function InstallationTable({ rows }: { rows: InstallationSummary[] }) {
  const { t } = useTranslation();
  return (
    <div className="table-wrap">
      <table className="table responsive-table" data-testid="installations-table">
        <thead>
          <tr>
            <th>{t('cbam.installations.columns.name')}</th>
            <th>{t('cbam.installations.columns.country')}</th>
            <th>{t('cbam.installations.columns.period')}</th>
            <th>{t('cbam.installations.columns.version')}</th>
            <th>{t('cbam.installations.columns.updated')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((i) => (
            <tr key={i.id}>
              <td>
                <Link to={`/cbam/installations/${i.id}`} data-testid="installation-link">
                  {i.name}
                </Link>
              </td>
              <td>{i.country}</td>
              <td className="nowrap">
                {i.reportingPeriod.start} – {i.reportingPeriod.end}
              </td>
              <td>{i.version}</td>
              <td className="nowrap">{i.updatedAt.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A JSON file or pasted JSON: a new installation, or the next version of one. */
function DataForm({ mode, id }: { mode: 'create' | 'update'; id?: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { user } = useMe();
  const writable = [
    ...new Map(
      (user?.memberships ?? [])
        .filter((m) => m.role === 'admin' || m.role === 'member')
        .map((m) => [m.orgId, m.orgName] as const),
    ).entries(),
  ];
  const [org, setOrg] = useState('');
  const [text, setText] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const save = useMutation({
    mutationFn: (data: unknown) =>
      mode === 'create'
        ? installationsApi.create(data, org || (writable.length > 1 ? writable[0]![0] : undefined))
        : installationsApi.update(id!, data),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: [KEY] });
      setText('');
      if (mode === 'create') void navigate(`/cbam/installations/${r.installation.id}`);
    },
  });

  const submit = (raw: string) => {
    setParseError(null);
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (e) {
      setParseError(t('cbam.installations.notJson', { message: (e as Error).message }));
      return;
    }
    save.mutate(data);
  };

  return (
    <div className="card" data-testid={`installation-${mode}-card`}>
      <h2>{t(mode === 'create' ? 'cbam.installations.create' : 'cbam.installations.newVersion')}</h2>
      <p className="muted small">{t('cbam.installations.formIntro')}</p>
      {mode === 'create' && writable.length > 1 ? (
        <label className="field">
          <span>{t('cbam.installations.organisation')}</span>
          <select
            value={org || writable[0]![0]}
            onChange={(e) => setOrg(e.target.value)}
            data-testid="installation-org"
          >
            {writable.map(([orgId, name]) => (
              <option key={orgId} value={orgId}>
                {name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="field">
        <span>{t('cbam.installations.chooseFile')}</span>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          data-testid={`installation-${mode}-file`}
          disabled={save.isPending}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (input.current) input.current.value = '';
            if (!file) return;
            if (file.size > MAX_BYTES) {
              setParseError(t('cbam.installations.tooLarge'));
              return;
            }
            void file.text().then(submit);
          }}
        />
      </label>
      <label className="field">
        <span>{t('cbam.installations.paste')}</span>
        <textarea
          rows={8}
          className="mono"
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid={`installation-${mode}-json`}
          spellCheck={false}
        />
      </label>
      <button
        type="button"
        className="btn btn-primary"
        disabled={save.isPending || text.trim() === ''}
        onClick={() => submit(text)}
        data-testid={`installation-${mode}-submit`}
      >
        {t(mode === 'create' ? 'cbam.installations.save' : 'cbam.installations.saveVersion')}
      </button>
      {save.isPending ? <Loading /> : null}
      {parseError ? (
        <div className="alert alert-error" role="alert" data-testid="error-alert">
          {parseError}
        </div>
      ) : null}
      <ErrorAlert error={save.error} title={t('cbam.installations.refused')} />
      {mode === 'update' && save.data ? (
        <div className="alert alert-success" role="status" data-testid="installation-saved">
          {t('cbam.installations.savedVersion', { version: save.data.installation.version })}
        </div>
      ) : null}
    </div>
  );
}

/** A fresh detail view (chosen version reset) for each installation. */
function KeyedDetail() {
  const { id = '' } = useParams();
  return <InstallationDetailView key={id} id={id} />;
}

function InstallationDetailView({ id }: { id: string }) {
  const { t } = useTranslation();
  const [version, setVersion] = useState<number | undefined>(undefined);
  const detail = useQuery({
    queryKey: [KEY, 'detail', id, version],
    queryFn: ({ signal }) => installationsApi.get(id, version, signal),
  });
  const calc = useQuery({
    queryKey: [KEY, 'calculation', id, version],
    queryFn: ({ signal }) => installationsApi.calculation(id, version, signal),
    retry: false,
  });
  const inst = detail.data?.installation;
  return (
    <section className="page">
      <header className="page-header">
        <p>
          <Link to="/cbam/installations">← {t('cbam.installations.back')}</Link>
        </p>
        <h1 data-testid="installation-name">{inst?.name ?? t('cbam.installations.title')}</h1>
        {inst ? (
          <p className="muted">
            {inst.country} · {inst.reportingPeriod.start} – {inst.reportingPeriod.end} ·{' '}
            {t('cbam.installations.versionOf', { version: inst.version, latest: inst.latestVersion })}
          </p>
        ) : null}
      </header>
      <ErrorAlert error={detail.error} />
      {inst && inst.versions.length > 1 ? (
        <label className="field field-inline">
          <span>{t('cbam.installations.columns.version')}</span>
          <select
            value={version ?? inst.latestVersion}
            onChange={(e) => setVersion(Number(e.target.value))}
            data-testid="installation-version"
          >
            {inst.versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version} ({v.createdAt.slice(0, 10)}, {v.createdBy})
              </option>
            ))}
          </select>
        </label>
      ) : null}

      <div className="card table-card">
        <h2>{t('cbam.installations.calculation')}</h2>
        {calc.isLoading ? <Loading /> : null}
        <ErrorAlert error={calc.error} title={t('cbam.installations.calcFailed')} />
        {calc.data ? <CalculationView c={calc.data.calculation} /> : null}
      </div>

      {inst ? <CommunicationCard id={inst.id} /> : null}
      {inst ? <DataForm mode="update" id={inst.id} /> : null}
    </section>
  );
}

function CalculationView({ c }: { c: Calculation }) {
  const { t } = useTranslation();
  const byProcess = new Map(c.processes.map((p) => [p.process, p]));
  return (
    <>
      <p className="muted small">{t('cbam.installations.totalDirect', { total: c.totalDirectEmissions })}</p>
      <div className="table-wrap">
        <table className="table responsive-table" data-testid="installation-goods">
          <thead>
            <tr>
              <th>{t('cbam.installations.columns.cn')}</th>
              <th>{t('cbam.installations.columns.category')}</th>
              <th>{t('cbam.installations.columns.route')}</th>
              <th className="num">{t('cbam.installations.columns.seeDirect')}</th>
              <th className="num">{t('cbam.installations.columns.seeIndirect')}</th>
              <th className="num">{t('cbam.installations.columns.seeTotal')}</th>
              <th>{t('cbam.installations.columns.source')}</th>
              <th>{t('cbam.installations.columns.electricity')}</th>
            </tr>
          </thead>
          <tbody>
            {c.goods.map((g) => {
              const warnings = byProcess.get(g.process)?.warnings ?? [];
              return (
                <tr key={`${g.process}-${g.cn}`} data-testid="good-row" data-cn={g.cn}>
                  <td className="mono">{g.cn}</td>
                  <td>{g.goodsCategory}</td>
                  <td>{g.route ?? ''}</td>
                  <td className="num mono">{g.seeDirect}</td>
                  <td className="num mono">{g.seeIndirect}</td>
                  <td className="num mono" data-testid="see-total">
                    {g.seeTotal}
                  </td>
                  <td>
                    <Badge
                      tone={g.source === 'default' ? 'amber' : 'green'}
                      data-testid="source-badge"
                      data-source={g.source}
                    >
                      {t(`cbam.installations.sources.${g.source}`)}
                    </Badge>
                    {warnings.length > 0 ? (
                      <>
                        {' '}
                        <Badge tone="red" data-testid="warning-badge">
                          {t('cbam.installations.warningCount', { count: warnings.length })}
                        </Badge>
                      </>
                    ) : null}
                  </td>
                  <td className="small">
                    {g.electricity
                      ? `${g.electricity.factor} t/MWh (${t(`cbam.installations.electricity.${g.electricity.source}`)})`
                      : '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">{t('cbam.installations.unitNote')}</p>

      <h3>{t('cbam.installations.processes')}</h3>
      <div className="table-wrap">
        <table className="table responsive-table" data-testid="installation-processes">
          <thead>
            <tr>
              <th>{t('cbam.installations.columns.process')}</th>
              <th className="num">{t('cbam.installations.columns.production')}</th>
              <th className="num">{t('cbam.installations.columns.attributedDirect')}</th>
              <th className="num">{t('cbam.installations.columns.precursorsDirect')}</th>
              <th className="num">{t('cbam.installations.columns.attributedIndirect')}</th>
            </tr>
          </thead>
          <tbody>
            {c.processes.map((p) => (
              <tr key={p.process}>
                <td className="mono">{p.process}</td>
                <td className="num mono">{p.production}</td>
                <td className="num mono">{p.attributedDirect}</td>
                <td className="num mono">{p.precursorsDirect}</td>
                <td className="num mono">{p.attributedIndirect}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {c.processes.some((p) => p.defaults.length > 0) ? (
        <>
          <h3>{t('cbam.installations.columns.defaults')}</h3>
          <ul className="small" data-testid="process-defaults">
            {c.processes.flatMap((p) =>
              p.defaults.map((d) => (
                <li key={`${p.process}-${d}`}>
                  <Badge tone="amber">{t('cbam.installations.sources.default')}</Badge>{' '}
                  <span className="mono">{p.process}</span>: {d}
                </li>
              )),
            )}
          </ul>
        </>
      ) : null}

      {c.warnings.length > 0 ? (
        <div className="alert alert-warning" role="status" data-testid="installation-warnings">
          <div className="alert-title">{t('cbam.installations.warnings')}</div>
          <ul>
            {c.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}

/** Issues the communication file of the latest version and offers it as XLSX and JSON. */
function CommunicationCard({ id }: { id: string }) {
  const { t } = useTranslation();
  const [issued, setIssued] = useState<IssuedFile | null>(null);
  const issue = useMutation({
    mutationFn: () => installationsApi.issueCommunication(id),
    onSuccess: setIssued,
  });
  return (
    <div className="card" data-testid="communication-card">
      <h2>{t('cbam.installations.communication')}</h2>
      <p className="muted small">{t('cbam.installations.communicationIntro')}</p>
      <button
        type="button"
        className="btn btn-primary"
        disabled={issue.isPending}
        onClick={() => issue.mutate()}
        data-testid="issue-communication"
      >
        {t('cbam.installations.issue')}
      </button>
      {issue.isPending ? <Loading /> : null}
      <ErrorAlert error={issue.error} />
      {issued ? (
        <p data-testid="communication-links" data-file-id={issued.id}>
          {t('cbam.installations.issued', { id: issued.id })}{' '}
          <a
            className="btn btn-secondary"
            href={communicationUrl(issued.id, 'xlsx')}
            download
            data-testid="download-xlsx"
          >
            {t('cbam.installations.downloadXlsx')}
          </a>{' '}
          <a
            className="btn btn-secondary"
            href={communicationUrl(issued.id, 'json')}
            download
            data-testid="download-json"
          >
            {t('cbam.installations.downloadJson')}
          </a>
        </p>
      ) : null}
    </div>
  );
}
