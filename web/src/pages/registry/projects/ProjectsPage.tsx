import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Route, Routes, useParams } from 'react-router';
import { useMe } from '../../../auth';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { projectsApi, type ProjectDetail, type ProjectStatus } from './api';

const TONE: Record<ProjectStatus, string> = {
  draft: 'gray',
  submitted: 'blue',
  validated: 'blue',
  registered: 'green',
  rejected: 'red',
  withdrawn: 'gray',
};
const KEY = ['registry-projects'] as const;

function StatusBadge({ status }: { status: ProjectStatus }) {
  const { t } = useTranslation();
  return (
    <Badge tone={TONE[status]} data-testid="project-status" data-status={status}>
      {t(`registryProjects.status.${status}`)}
    </Badge>
  );
}

function useRoles() {
  const { user } = useMe();
  const roles = new Set(user?.memberships.map((m) => m.role) ?? []);
  return { operator: roles.has('registry_operator'), proponent: roles.has('admin') || roles.has('member') };
}

/** Projects, the operator's approval queue and the quality controls, as sub-pages. */
export function ProjectsPage() {
  const { t } = useTranslation();
  const { operator } = useRoles();
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('registryProjects.title')}</h1>
        <p className="muted">{t('registryProjects.intro')}</p>
        <nav className="actions" aria-label={t('registryProjects.title')}>
          <NavLink to="/registry/projects" end className="btn btn-link" data-testid="projects-tab-list">
            {t('registryProjects.tabs.list')}
          </NavLink>
          {operator ? (
            <NavLink to="/registry/projects/queue" className="btn btn-link" data-testid="projects-tab-queue">
              {t('registryProjects.tabs.queue')}
            </NavLink>
          ) : null}
          <NavLink
            to="/registry/projects/controls"
            className="btn btn-link"
            data-testid="projects-tab-controls"
          >
            {t('registryProjects.tabs.controls')}
          </NavLink>
        </nav>
      </header>
      <Routes>
        <Route index element={<ProjectList />} />
        <Route path="queue" element={<QueuePage />} />
        <Route path="controls" element={<ControlsPage />} />
        <Route path=":id" element={<ProjectDetailPage />} />
      </Routes>
    </section>
  );
}

function ProjectList() {
  const { t } = useTranslation();
  const { proponent } = useRoles();
  const list = useQuery({ queryKey: [...KEY, 'list'], queryFn: ({ signal }) => projectsApi.list(signal) });
  const [creating, setCreating] = useState(false);
  const projects = list.data?.projects ?? [];
  return (
    <>
      <ErrorAlert error={list.error} />
      <div className="card">
        <div className="card-header">
          <h2>{t('registryProjects.list')}</h2>
          {proponent ? (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="project-new"
              onClick={() => setCreating(!creating)}
            >
              {t('registryProjects.new')}
            </button>
          ) : null}
        </div>
        {creating ? <CreateForm onDone={() => setCreating(false)} /> : null}
        {list.isLoading ? <Loading /> : null}
        {list.data && projects.length === 0 ? <p className="empty">{t('registryProjects.none')}</p> : null}
        {projects.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="projects-table">
              <thead>
                <tr>
                  <th>{t('registryProjects.code')}</th>
                  <th>{t('registryProjects.name')}</th>
                  <th>{t('registryProjects.country')}</th>
                  <th>{t('registryProjects.sector')}</th>
                  <th>{t('registryProjects.methodology')}</th>
                  <th>{t('registryProjects.statusLabel')}</th>
                </tr>
              </thead>
              <tbody>
                {projects.map((p) => (
                  <tr key={p.id} data-testid={`project-row-${p.code}`}>
                    <td className="code">
                      <Link to={`/registry/projects/${p.code}`}>{p.code}</Link>
                    </td>
                    <td>
                      {p.name}
                      <div className="muted small">{p.org.name}</div>
                    </td>
                    <td>{p.hostCountry}</td>
                    <td>{p.sector}</td>
                    <td className="code small">{p.methodology}</td>
                    <td>
                      <StatusBadge status={p.status} />
                      {p.openFlags > 0 ? (
                        <Badge tone="amber">{t('registryProjects.flagsOpen', { count: p.openFlags })}</Badge>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </>
  );
}

function CreateForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [f, setF] = useState({
    name: '',
    methodology: 'CCER-14-001-V01',
    hostCountry: 'CN',
    sector: 'energy',
    description: '',
    latitude: '',
    longitude: '',
    starts: '2025-01-01',
    ends: '2034-12-31',
    labels: '',
    validatorOrg: 'demo-verifier',
  });
  const create = useMutation({
    mutationFn: () =>
      projectsApi.create({
        name: f.name,
        methodology: f.methodology,
        hostCountry: f.hostCountry.toUpperCase(),
        sector: f.sector,
        description: f.description,
        latitude: f.latitude === '' ? null : Number(f.latitude),
        longitude: f.longitude === '' ? null : Number(f.longitude),
        creditingPeriods: [{ starts: f.starts, ends: f.ends }],
        labels: f.labels
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        validatorOrg: f.validatorOrg || null,
      }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: KEY });
      onDone();
    },
  });
  const field = (k: keyof typeof f, type = 'text') => (
    <label className="field">
      {t(`registryProjects.form.${k}`)}
      <input
        type={type}
        value={f[k]}
        data-testid={`project-form-${k}`}
        onChange={(e) => setF({ ...f, [k]: e.target.value })}
      />
    </label>
  );
  return (
    <form
      data-testid="project-form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        create.mutate();
      }}
      style={{ margin: '1rem 0' }}
    >
      <ErrorAlert error={create.error} />
      <div className="form-grid">
        {field('name')}
        {field('methodology')}
        {field('hostCountry')}
        {field('sector')}
        {field('latitude')}
        {field('longitude')}
        {field('starts', 'date')}
        {field('ends', 'date')}
        {field('labels')}
        {field('validatorOrg')}
        {field('description')}
      </div>
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={create.isPending}
          data-testid="project-create"
        >
          {t('registryProjects.create')}
        </button>
      </div>
    </form>
  );
}

function Section({ title, children, testid }: { title: string; children: ReactNode; testid?: string }) {
  return (
    <div className="card" data-testid={testid}>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

const readBase64 = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(file);
  });

function ProjectDetailPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: [...KEY, 'detail', id],
    queryFn: ({ signal }) => projectsApi.get(id, signal),
  });
  const refresh = () => qc.invalidateQueries({ queryKey: KEY });
  const step = useMutation({
    mutationFn: (v: { action: string; reason?: string }) => projectsApi.step(id, v.action, v.reason),
    onSuccess: () => void refresh(),
  });
  const other = useMutation({
    mutationFn: (fn: () => Promise<unknown>) => fn(),
    onSuccess: () => void refresh(),
  });
  const p: ProjectDetail | undefined = q.data?.project;
  const when = (s: string) => new Date(s).toLocaleString(i18n.language);
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!p) return <Loading />;
  const can = (a: string) => p.actions.includes(a);
  const ask = (key: string) => window.prompt(t(key)) ?? '';

  return (
    <div data-testid="project-detail">
      <ErrorAlert error={step.error ?? other.error} />
      <div className="card">
        <div className="card-header">
          <h2>
            <span className="code">{p.code}</span> {p.name}
          </h2>
          <StatusBadge status={p.status} />
        </div>
        <dl className="meta">
          <dt>{t('registryProjects.proponent')}</dt>
          <dd>{p.org.name}</dd>
          <dt>{t('registryProjects.methodology')}</dt>
          <dd className="code">{p.methodology}</dd>
          <dt>{t('registryProjects.country')}</dt>
          <dd>{p.hostCountry}</dd>
          <dt>{t('registryProjects.sector')}</dt>
          <dd>{p.sector}</dd>
          <dt>{t('registryProjects.periods')}</dt>
          <dd>{p.creditingPeriods.map((c) => `${c.starts} – ${c.ends}`).join(', ')}</dd>
          <dt>{t('registryProjects.coordinates')}</dt>
          <dd>{p.latitude === null ? '–' : `${p.latitude}, ${p.longitude}`}</dd>
          <dt>{t('registryProjects.labels')}</dt>
          <dd>{p.labels.join(', ') || '–'}</dd>
          <dt>{t('registryProjects.validator')}</dt>
          <dd>{p.validatorOrg?.name ?? '–'}</dd>
        </dl>
        {p.description ? <p className="prose">{p.description}</p> : null}
        <div className="form-actions" data-testid="project-actions">
          {(['submit', 'validate', 'register', 'withdraw'] as const).filter(can).map((a) => (
            <button
              key={a}
              type="button"
              className={a === 'withdraw' ? 'btn btn-secondary' : 'btn btn-primary'}
              data-testid={`project-${a}`}
              disabled={step.isPending}
              onClick={() => step.mutate({ action: a })}
            >
              {t(`registryProjects.action.${a}`)}
            </button>
          ))}
          {can('reject') ? (
            <button
              type="button"
              className="btn btn-danger"
              data-testid="project-reject"
              onClick={() => {
                const reason = ask('registryProjects.askReason');
                if (reason) step.mutate({ action: 'reject', reason });
              }}
            >
              {t('registryProjects.action.reject')}
            </button>
          ) : null}
          {can('screen') ? (
            <button
              type="button"
              className="btn btn-secondary"
              data-testid="project-screen"
              onClick={() => other.mutate(() => projectsApi.screen(p.id))}
            >
              {t('registryProjects.action.screen')}
            </button>
          ) : null}
        </div>
      </div>

      <Section title={t('registryProjects.flags')} testid="project-flags">
        {p.flags.length === 0 ? <p className="empty">{t('registryProjects.noFlags')}</p> : null}
        {p.flags.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('registryProjects.lookAlike')}</th>
                  <th>{t('registryProjects.reasons')}</th>
                  <th className="num">{t('registryProjects.nameScore')}</th>
                  <th className="num">km</th>
                  <th>{t('registryProjects.statusLabel')}</th>
                </tr>
              </thead>
              <tbody>
                {p.flags.map((f) => (
                  <tr key={f.id} data-testid="project-flag">
                    <td>
                      <span className="code">
                        {f.other.registry ?? t('registryProjects.here')} {f.other.id}
                      </span>
                      <div className="small">{f.other.name}</div>
                    </td>
                    <td className="small">{f.reasons.join('; ')}</td>
                    <td className="num">{f.nameScore.toFixed(2)}</td>
                    <td className="num">{f.distanceKm === null ? '–' : f.distanceKm.toFixed(2)}</td>
                    <td>
                      <Badge tone={f.status === 'open' ? 'amber' : 'gray'}>
                        {t(`registryProjects.flagStatus.${f.status}`)}
                      </Badge>
                      {f.dismissedReason ? <div className="muted small">{f.dismissedReason}</div> : null}
                      {f.status === 'open' && can('screen') ? (
                        <button
                          type="button"
                          className="btn btn-link"
                          data-testid="flag-dismiss"
                          onClick={() => {
                            const reason = ask('registryProjects.askDismiss');
                            if (reason) other.mutate(() => projectsApi.dismiss(p.id, f.id, reason));
                          }}
                        >
                          {t('registryProjects.dismiss')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>

      <Section title={t('registryProjects.documents')} testid="project-documents">
        {p.documents.length === 0 ? <p className="empty">{t('registryProjects.noDocuments')}</p> : null}
        {p.documents.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('registryProjects.file')}</th>
                  <th>{t('registryProjects.kind')}</th>
                  <th className="num">{t('registryProjects.size')}</th>
                  <th>SHA-256</th>
                </tr>
              </thead>
              <tbody>
                {p.documents.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <a href={projectsApi.documentUrl(p.id, d.id)}>{d.filename}</a>
                    </td>
                    <td>{t(`registryProjects.docKind.${d.kind}`, { defaultValue: d.kind })}</td>
                    <td className="num">{d.size.toLocaleString(i18n.language)}</td>
                    <td className="code small wrap-anywhere">{d.sha256}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {can('document') ? (
          <label className="field" style={{ marginTop: '0.5rem' }}>
            {t('registryProjects.upload')}
            <input
              type="file"
              data-testid="project-upload"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (!file) return;
                other.mutate(async () =>
                  projectsApi.upload(p.id, {
                    kind: 'pdd',
                    filename: file.name,
                    contentType: file.type || 'application/octet-stream',
                    contentBase64: await readBase64(file),
                  }),
                );
              }}
            />
          </label>
        ) : null}
      </Section>

      <Section title={t('registryProjects.reports')} testid="project-reports">
        {p.monitoringReports.length === 0 ? <p className="empty">{t('registryProjects.noReports')}</p> : null}
        {p.monitoringReports.length > 0 ? (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('registryProjects.period')}</th>
                  <th className="num">{t('registryProjects.claimed')}</th>
                  <th className="num">{t('registryProjects.verified')}</th>
                  <th className="num">{t('registryProjects.remaining')}</th>
                  <th>{t('registryProjects.verifier')}</th>
                  <th>{t('registryProjects.statusLabel')}</th>
                </tr>
              </thead>
              <tbody>
                {p.monitoringReports.map((r) => (
                  <tr key={r.id} data-testid="project-report">
                    <td>
                      {r.periodStart} – {r.periodEnd}
                    </td>
                    <td className="num">{r.claimed}</td>
                    <td className="num">{r.verified ?? '–'}</td>
                    <td className="num">{r.remaining}</td>
                    <td>{r.verifierOrg.name}</td>
                    <td>
                      {t(`registryProjects.reportStatus.${r.status}`)}
                      <ReportActions report={r} canRequest={can('issuance-request')} onDone={refresh} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {can('monitoring-report') ? <ReportForm projectId={p.id} onDone={refresh} /> : null}
      </Section>

      <Section title={t('registryProjects.requests')} testid="project-requests">
        <RequestTable requests={p.issuanceRequests} onDone={refresh} />
      </Section>

      <Section title={t('registryProjects.history')}>
        <div className="table-wrap">
          <table className="table" data-testid="project-history">
            <thead>
              <tr>
                <th>{t('registryProjects.when')}</th>
                <th>{t('registryProjects.step')}</th>
                <th>{t('registryProjects.by')}</th>
                <th className="num">{t('registryProjects.ledger')}</th>
              </tr>
            </thead>
            <tbody>
              {p.events.map((e) => (
                <tr key={e.id}>
                  <td className="nowrap">{when(e.at)}</td>
                  <td>
                    {t(`registryProjects.event.${e.action}`, { defaultValue: e.action })}
                    {e.reason ? <div className="muted small">{e.reason}</div> : null}
                  </td>
                  <td>{e.actor}</td>
                  <td className="num">
                    <Link to={`/ledger/entries/${e.ledger.index}`}>{e.ledger.index}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
    </div>
  );
}

function ReportActions({
  report,
  canRequest,
  onDone,
}: {
  report: ProjectDetail['monitoringReports'][number];
  canRequest: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const { user } = useMe();
  const verifier = user?.memberships.some(
    (m) => m.orgId === report.verifierOrg.id && (m.role === 'verifier' || m.role === 'admin'),
  );
  const act = useMutation({ mutationFn: (fn: () => Promise<unknown>) => fn(), onSuccess: onDone });
  return (
    <div>
      <ErrorAlert error={act.error} />
      {verifier && report.status === 'submitted' ? (
        <>
          <button
            type="button"
            className="btn btn-link"
            data-testid="report-verify"
            onClick={() => {
              const verified = window.prompt(t('registryProjects.askVerified'), report.claimed) ?? '';
              const statement = verified ? (window.prompt(t('registryProjects.askStatement')) ?? '') : '';
              if (verified && statement)
                act.mutate(() => projectsApi.verifyReport(report.id, { verified, statement }));
            }}
          >
            {t('registryProjects.verify')}
          </button>
          <button
            type="button"
            className="btn btn-link"
            onClick={() => {
              const reason = window.prompt(t('registryProjects.askReason')) ?? '';
              if (reason) act.mutate(() => projectsApi.rejectReport(report.id, reason));
            }}
          >
            {t('registryProjects.action.reject')}
          </button>
        </>
      ) : null}
      {canRequest && report.status === 'verified' && report.remaining !== '0' ? (
        <button
          type="button"
          className="btn btn-link"
          data-testid="report-request"
          onClick={() => {
            const quantity = window.prompt(t('registryProjects.askQuantity'), report.remaining) ?? '';
            if (quantity)
              act.mutate(() =>
                projectsApi.requestIssuance({
                  reportId: report.id,
                  vintage: Number(report.periodEnd.slice(0, 4)),
                  quantity,
                  unitType: 'VER',
                  bufferPercent: '0',
                }),
              );
          }}
        >
          {t('registryProjects.requestIssuance')}
        </button>
      ) : null}
    </div>
  );
}

function ReportForm({ projectId, onDone }: { projectId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState({ periodStart: '', periodEnd: '', claimed: '', verifierOrg: 'demo-verifier' });
  const add = useMutation({ mutationFn: () => projectsApi.addReport(projectId, f), onSuccess: onDone });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate();
      }}
      style={{ marginTop: '0.5rem' }}
    >
      <h3>{t('registryProjects.newReport')}</h3>
      <ErrorAlert error={add.error} />
      <div className="form-grid">
        {(['periodStart', 'periodEnd', 'claimed', 'verifierOrg'] as const).map((k) => (
          <label className="field" key={k}>
            {t(`registryProjects.form.${k}`)}
            <input
              type={k.startsWith('period') ? 'date' : 'text'}
              value={f[k]}
              onChange={(e) => setF({ ...f, [k]: e.target.value })}
            />
          </label>
        ))}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={add.isPending}>
          {t('registryProjects.submitReport')}
        </button>
      </div>
    </form>
  );
}

function RequestTable({
  requests,
  onDone,
}: {
  requests: ProjectDetail['issuanceRequests'];
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const { operator } = useRoles();
  const act = useMutation({ mutationFn: (fn: () => Promise<unknown>) => fn(), onSuccess: onDone });
  if (requests.length === 0) return <p className="empty">{t('registryProjects.noRequests')}</p>;
  return (
    <>
      <ErrorAlert error={act.error} />
      <div className="table-wrap">
        <table className="table" data-testid="requests-table">
          <thead>
            <tr>
              <th>{t('registryProjects.project')}</th>
              <th>{t('registryProjects.vintage')}</th>
              <th className="num">{t('registryProjects.quantity')}</th>
              <th>{t('registryProjects.account')}</th>
              <th>{t('registryProjects.statusLabel')}</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((r) => (
              <tr key={r.id} data-testid="issuance-request">
                <td className="code">
                  <Link to={`/registry/projects/${r.project.code}`}>{r.project.code}</Link>
                </td>
                <td>{r.vintage}</td>
                <td className="num">
                  {r.quantity} {r.unitType}
                  {r.bufferPercent !== '0' ? (
                    <div className="muted small">
                      {t('registryProjects.buffer', { percent: r.bufferPercent })}
                    </div>
                  ) : null}
                </td>
                <td className="code small">{r.toAccount.number}</td>
                <td>
                  {t(`registryProjects.requestStatus.${r.status}`)}
                  {r.reason ? <div className="muted small">{r.reason}</div> : null}
                  {operator && r.status === 'pending' ? (
                    <div>
                      <button
                        type="button"
                        className="btn btn-link"
                        data-testid="request-approve"
                        onClick={() => act.mutate(() => projectsApi.approve(r.id))}
                      >
                        {t('registryProjects.approve')}
                      </button>
                      <button
                        type="button"
                        className="btn btn-link"
                        onClick={() => {
                          const reason = window.prompt(t('registryProjects.askReason')) ?? '';
                          if (reason) act.mutate(() => projectsApi.rejectRequest(r.id, reason));
                        }}
                      >
                        {t('registryProjects.action.reject')}
                      </button>
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function QueuePage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: [...KEY, 'queue'], queryFn: ({ signal }) => projectsApi.queue(signal) });
  const refresh = () => qc.invalidateQueries({ queryKey: KEY });
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data) return <Loading />;
  const { registrations, awaitingRequests, issuanceRequests } = q.data;
  return (
    <div data-testid="projects-queue">
      <Section title={t('registryProjects.queue.registrations')} testid="queue-registrations">
        {registrations.length === 0 ? <p className="empty">{t('registryProjects.queue.empty')}</p> : null}
        <ul>
          {registrations.map((p) => (
            <li key={p.id} data-testid={`queue-project-${p.code}`}>
              <Link to={`/registry/projects/${p.code}`}>
                <span className="code">{p.code}</span> {p.name}
              </Link>{' '}
              <StatusBadge status={p.status} />{' '}
              {p.openFlags > 0 ? (
                <Badge tone="amber">{t('registryProjects.flagsOpen', { count: p.openFlags })}</Badge>
              ) : null}
              <span className="muted small">
                {' '}
                {t(
                  p.status === 'validated'
                    ? 'registryProjects.queue.toRegister'
                    : 'registryProjects.queue.toValidate',
                )}
              </span>
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('registryProjects.queue.awaiting')}>
        {awaitingRequests.length === 0 ? <p className="empty">{t('registryProjects.queue.empty')}</p> : null}
        <ul>
          {awaitingRequests.map((r) => (
            <li key={r.id}>
              <Link to={`/registry/projects/${r.project.code}`}>
                <span className="code">{r.project.code}</span>
              </Link>{' '}
              {r.periodStart} – {r.periodEnd}: {t('registryProjects.queue.remaining', { n: r.remaining })}
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('registryProjects.queue.requests')}>
        <RequestTable requests={issuanceRequests} onDone={refresh} />
      </Section>
    </div>
  );
}

const csvList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function ControlsPage() {
  const { t } = useTranslation();
  const { operator } = useRoles();
  const qc = useQueryClient();
  const controls = useQuery({
    queryKey: [...KEY, 'controls'],
    queryFn: ({ signal }) => projectsApi.controls(signal),
  });
  const obligations = useQuery({
    queryKey: [...KEY, 'obligations'],
    queryFn: ({ signal }) => projectsApi.obligations(signal),
  });
  const refresh = () => qc.invalidateQueries({ queryKey: KEY });
  const c = controls.data?.controls;
  const [edit, setEdit] = useState<null | Record<'cutoff' | 'methods' | 'imp' | 'use' | 'note', string>>(
    null,
  );
  const save = useMutation({
    mutationFn: (e: Record<'cutoff' | 'methods' | 'imp' | 'use' | 'note', string>) =>
      projectsApi.setControls({
        vintageCutoff: e.cutoff ? Number(e.cutoff) : null,
        allowedMethodologies: csvList(e.methods),
        labelsForImport: csvList(e.imp),
        labelsForUse: csvList(e.use),
        note: e.note,
      }),
    onSuccess: () => {
      setEdit(null);
      void refresh();
    },
  });
  const [ob, setOb] = useState({
    org: '',
    year: '2025',
    obligationTonnes: '',
    maxOffsetPercent: '5',
    scheme: 'CN-ETS',
  });
  const addOb = useMutation({
    mutationFn: () => projectsApi.addObligation({ ...ob, year: Number(ob.year) }),
    onSuccess: () => void refresh(),
  });
  const [imported, setImported] = useState<string | null>(null);
  const importExt = useMutation({
    mutationFn: async (file: File) =>
      projectsApi.importExternal({
        format: file.name.endsWith('.json') ? 'json' : 'csv',
        content: await file.text(),
      }),
    onSuccess: (r) => setImported(t('registryProjects.imported', { rows: r.rows, inserted: r.inserted })),
  });

  return (
    <div data-testid="projects-controls">
      <ErrorAlert
        error={controls.error ?? obligations.error ?? save.error ?? addOb.error ?? importExt.error}
      />
      <div className="card">
        <div className="card-header">
          <h2>{t('registryProjects.controls.title')}</h2>
          {c ? (
            <span className="muted small">{t('registryProjects.controls.version', { v: c.version })}</span>
          ) : null}
        </div>
        {c ? (
          <dl className="meta">
            <dt>{t('registryProjects.controls.cutoff')}</dt>
            <dd data-testid="controls-cutoff">{c.vintageCutoff ?? '–'}</dd>
            <dt>{t('registryProjects.controls.methods')}</dt>
            <dd>{c.allowedMethodologies.join(', ') || t('registryProjects.controls.any')}</dd>
            <dt>{t('registryProjects.controls.imp')}</dt>
            <dd>{c.labelsForImport.join(', ') || '–'}</dd>
            <dt>{t('registryProjects.controls.use')}</dt>
            <dd>{c.labelsForUse.join(', ') || '–'}</dd>
          </dl>
        ) : (
          <Loading />
        )}
        {operator && c && !edit ? (
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="controls-edit"
            onClick={() =>
              setEdit({
                cutoff: c.vintageCutoff?.toString() ?? '',
                methods: c.allowedMethodologies.join(', '),
                imp: c.labelsForImport.join(', '),
                use: c.labelsForUse.join(', '),
                note: '',
              })
            }
          >
            {t('registryProjects.controls.edit')}
          </button>
        ) : null}
        {edit ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(edit);
            }}
          >
            <div className="form-grid">
              {(['cutoff', 'methods', 'imp', 'use', 'note'] as const).map((k) => (
                <label className="field" key={k}>
                  {t(`registryProjects.controls.${k}`)}
                  <input
                    value={edit[k]}
                    data-testid={`controls-${k}`}
                    onChange={(e) => setEdit({ ...edit, [k]: e.target.value })}
                  />
                </label>
              ))}
            </div>
            <div className="form-actions">
              <button
                type="submit"
                className="btn btn-primary"
                data-testid="controls-save"
                disabled={save.isPending}
              >
                {t('registryProjects.controls.save')}
              </button>
            </div>
          </form>
        ) : null}
      </div>

      <div className="card">
        <h2>{t('registryProjects.obligations.title')}</h2>
        <p className="muted small">{t('registryProjects.obligations.intro')}</p>
        {(obligations.data?.obligations.length ?? 0) === 0 ? (
          <p className="empty">{t('registryProjects.obligations.none')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="obligations-table">
              <thead>
                <tr>
                  <th>{t('registryProjects.obligations.org')}</th>
                  <th>{t('registryProjects.obligations.year')}</th>
                  <th className="num">{t('registryProjects.obligations.tonnes')}</th>
                  <th className="num">{t('registryProjects.obligations.max')}</th>
                  <th className="num">{t('registryProjects.obligations.used')}</th>
                  <th className="num">{t('registryProjects.obligations.remaining')}</th>
                </tr>
              </thead>
              <tbody>
                {obligations.data?.obligations.map((o) => (
                  <tr key={o.id}>
                    <td>
                      {o.org.name}
                      <div className="muted small code">{o.id}</div>
                    </td>
                    <td>
                      {o.year} {o.scheme}
                    </td>
                    <td className="num">{o.obligationTonnes}</td>
                    <td className="num">
                      {o.maxOffsetUnits} ({o.maxOffsetPercent} %)
                    </td>
                    <td className="num">{o.used}</td>
                    <td className="num">{o.remaining}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {operator ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              addOb.mutate();
            }}
          >
            <div className="form-grid">
              {(['org', 'year', 'obligationTonnes', 'maxOffsetPercent', 'scheme'] as const).map((k) => (
                <label className="field" key={k}>
                  {t(`registryProjects.obligations.form.${k}`)}
                  <input value={ob[k]} onChange={(e) => setOb({ ...ob, [k]: e.target.value })} />
                </label>
              ))}
            </div>
            <div className="form-actions">
              <button type="submit" className="btn btn-secondary" disabled={addOb.isPending}>
                {t('registryProjects.obligations.add')}
              </button>
            </div>
          </form>
        ) : null}
      </div>

      {operator ? (
        <div className="card">
          <h2>{t('registryProjects.external.title')}</h2>
          <p className="muted small">{t('registryProjects.external.intro')}</p>
          {imported ? (
            <div className="alert alert-success" role="status">
              {imported}
            </div>
          ) : null}
          <input
            type="file"
            accept=".csv,.json"
            data-testid="external-import"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) importExt.mutate(file);
            }}
          />
        </div>
      ) : null}
    </div>
  );
}
