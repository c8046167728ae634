import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Route, Routes } from 'react-router';
import { useMe } from '../../../auth';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { certificatesApi, type Block, type Cancellation, type CertState, type Device } from './api';

const KEY = ['registry-certificates'];
const STATE_TONE: Record<CertState, string> = {
  active: 'green',
  cancelled: 'blue',
  expired: 'gray',
  withdrawn: 'red',
};
const SOURCES = ['solar', 'wind', 'hydro', 'biomass', 'geothermal', 'marine', 'nuclear', 'other'];

/** Whether the signed-in user runs the registry (approves devices, issues, runs expiry). */
function useRoles() {
  const { user } = useMe();
  const roles = new Set((user?.memberships ?? []).map((m) => m.role));
  return {
    operator: roles.has('registry_operator'),
    writer: roles.has('admin') || roles.has('member'),
  };
}

/**
 * Green-electricity certificates (GEC, I-REC, EnergyTag hourly): holdings with transfer and
 * cancellation, devices, issuance (the operator), cancellations and their claims.
 */
export function CertificatesPage() {
  const { t } = useTranslation();
  const { operator } = useRoles();
  const tabs = [
    { to: '', label: t('registryCertificates.tabs.holdings'), end: true },
    { to: 'devices', label: t('registryCertificates.tabs.devices'), end: false },
    ...(operator ? [{ to: 'issue', label: t('registryCertificates.tabs.issue'), end: false }] : []),
    { to: 'cancellations', label: t('registryCertificates.tabs.cancellations'), end: false },
  ];
  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('registryCertificates.title')}</h1>
        <p className="muted">{t('registryCertificates.intro')}</p>
      </header>
      <nav className="badges" aria-label={t('registryCertificates.title')} style={{ marginBottom: '1rem' }}>
        {tabs.map((tab) => (
          <NavLink
            key={tab.to}
            to={tab.to ? `/registry/certificates/${tab.to}` : '/registry/certificates'}
            end={tab.end}
            className={({ isActive }) => `btn ${isActive ? 'btn-primary' : 'btn-secondary'}`}
          >
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Holdings />} />
        <Route path="devices" element={<Devices />} />
        <Route path="issue" element={<Issue />} />
        <Route path="cancellations" element={<Cancellations />} />
      </Routes>
    </section>
  );
}

const day = (s: string) => s.slice(0, 10);
/** The production period as its scheme counts it: a month in China time (GEC), an hour or days (UTC). */
function period(b: { scheme: string; periodStart: string; periodEnd: string }): string {
  if (b.scheme === 'GEC') {
    const cst = new Date(new Date(b.periodStart).getTime() + 8 * 3600_000).toISOString();
    return `${cst.slice(0, 7)} (UTC+8)`;
  }
  if (b.scheme === 'EnergyTag')
    return `${b.periodStart.slice(0, 10)} ${b.periodStart.slice(11, 16)}–${b.periodEnd.slice(11, 16)} UTC`;
  return `${b.periodStart.slice(0, 10)} – ${b.periodEnd.slice(0, 10)}`;
}

function Holdings() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { operator, writer } = useRoles();
  const holdings = useQuery({
    queryKey: [...KEY, 'holdings'],
    queryFn: ({ signal }) => certificatesApi.holdings(signal),
  });
  const [selected, setSelected] = useState<Block | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const done = (text: string) => {
    setNotice(text);
    setSelected(null);
    void qc.invalidateQueries({ queryKey: KEY });
  };
  const expire = useMutation({
    mutationFn: certificatesApi.expire,
    onSuccess: (r) => done(t('registryCertificates.expired', { count: r.expired.length })),
  });
  const blocks = holdings.data?.blocks ?? [];
  const manyHolders = new Set(blocks.map((b) => b.holder.id)).size > 1;
  return (
    <>
      {notice ? (
        <div className="alert alert-success" role="status" data-testid="cert-notice">
          {notice}
        </div>
      ) : null}
      <ErrorAlert error={holdings.error ?? expire.error} />
      <div className="card table-card">
        <div className="card-header">
          <h2>{t('registryCertificates.holdings')}</h2>
          {operator ? (
            <button className="btn btn-secondary" disabled={expire.isPending} onClick={() => expire.mutate()}>
              {t('registryCertificates.expireRun')}
            </button>
          ) : null}
        </div>
        {holdings.isLoading ? <Loading /> : null}
        {holdings.data && blocks.length === 0 ? (
          <p className="empty">{t('registryCertificates.noBlocks')}</p>
        ) : null}
        {blocks.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="cert-holdings">
              <thead>
                <tr>
                  <th>{t('registryCertificates.col.serial')}</th>
                  <th>{t('registryCertificates.col.device')}</th>
                  <th>{t('registryCertificates.col.period')}</th>
                  <th className="num">{t('registryCertificates.col.quantity')}</th>
                  <th>{t('registryCertificates.col.state')}</th>
                  {manyHolders ? <th>{t('registryCertificates.col.holder')}</th> : null}
                  <th>{t('registryCertificates.col.expires')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {blocks.map((b) => (
                  <tr key={b.id} data-testid="cert-block" data-serial={b.serial} data-state={b.state}>
                    <td>
                      <Badge tone="outline">{b.scheme}</Badge>
                      <div className="muted small mono">{b.serial}</div>
                    </td>
                    <td>
                      {b.device.name}
                      <div className="muted small">
                        {t(`registryCertificates.source.${b.device.energySource}`, {
                          defaultValue: b.device.energySource,
                        })}{' '}
                        · {b.device.gridZone}
                      </div>
                    </td>
                    <td className="small nowrap">{period(b)}</td>
                    <td className="num nowrap">
                      {b.quantity} {b.unit}
                    </td>
                    <td>
                      <Badge tone={STATE_TONE[b.state]} data-testid="cert-state" data-state={b.state}>
                        {t(`registryCertificates.state.${b.state}`)}
                      </Badge>
                    </td>
                    {manyHolders ? <td>{b.holder.name}</td> : null}
                    <td className="nowrap">{day(b.expiresAt)}</td>
                    <td>
                      {b.state === 'active' && writer ? (
                        <button
                          className="btn btn-secondary"
                          data-testid="cert-select"
                          onClick={() => setSelected(b)}
                        >
                          {t('registryCertificates.act')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
      {selected ? <Act block={selected} onDone={done} onClose={() => setSelected(null)} /> : null}
    </>
  );
}

/** Transfer or cancel (part of) one block. */
function Act({
  block,
  onDone,
  onClose,
}: {
  block: Block;
  onDone: (notice: string) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'transfer' | 'cancel'>('cancel');
  const [quantity, setQuantity] = useState(block.quantity);
  const [to, setTo] = useState('');
  const year = block.periodStart.slice(0, 4);
  const [from, setFrom] = useState(`${year}-01-01`);
  const [until, setUntil] = useState(`${year}-12-31`);
  const [purpose, setPurpose] = useState(t('registryCertificates.defaultPurpose'));
  const [beneficiary, setBeneficiary] = useState('');
  const transfer = useMutation({
    mutationFn: certificatesApi.transfer,
    onSuccess: (r) => onDone(t('registryCertificates.transferred', { serial: r.serial })),
  });
  const cancel = useMutation({
    mutationFn: certificatesApi.cancel,
    onSuccess: (r) => onDone(t('registryCertificates.cancelled', { serial: r.serial })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === 'transfer') transfer.mutate({ block: block.id, quantity, to });
    else
      cancel.mutate({
        block: block.id,
        quantity,
        consumptionStart: from,
        consumptionEnd: until,
        purpose,
        ...(beneficiary ? { beneficiary } : {}),
      });
  };
  const busy = transfer.isPending || cancel.isPending;
  return (
    <form className="card" onSubmit={submit} data-testid="cert-act">
      <div className="card-header">
        <h2>{t('registryCertificates.actOn', { serial: block.serial })}</h2>
      </div>
      <ErrorAlert error={transfer.error ?? cancel.error} />
      <div className="inline-fields" role="radiogroup">
        {(['cancel', 'transfer'] as const).map((m) => (
          <label key={m} className="field field-inline">
            <input
              type="radio"
              name="mode"
              checked={mode === m}
              onChange={() => setMode(m)}
              data-testid={`cert-mode-${m}`}
            />
            {t(`registryCertificates.mode.${m}`)}
          </label>
        ))}
      </div>
      <div className="form-grid" style={{ marginTop: '1rem' }}>
        <label className="field">
          {t('registryCertificates.quantityOf', { unit: block.unit, max: block.quantity })}
          <input
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
            inputMode="numeric"
            data-testid="cert-quantity"
            required
          />
        </label>
        {mode === 'transfer' ? (
          <label className="field">
            {t('registryCertificates.to')}
            <input
              value={to}
              onChange={(e) => setTo(e.target.value)}
              placeholder="demo-verifier"
              data-testid="cert-to"
              required
            />
          </label>
        ) : (
          <>
            <label className="field">
              {t('registryCertificates.beneficiary')}
              <input
                value={beneficiary}
                onChange={(e) => setBeneficiary(e.target.value)}
                placeholder={block.holder.slug}
              />
            </label>
            <label className="field">
              {t('registryCertificates.consumptionStart')}
              <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
            </label>
            <label className="field">
              {t('registryCertificates.consumptionEnd')}
              <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} required />
            </label>
            <label className="field span-2">
              {t('registryCertificates.purpose')}
              <input
                value={purpose}
                onChange={(e) => setPurpose(e.target.value)}
                data-testid="cert-purpose"
                required
              />
            </label>
          </>
        )}
      </div>
      <div className="form-actions">
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('registryCertificates.close')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="cert-submit">
          {t(`registryCertificates.mode.${mode}`)}
        </button>
      </div>
    </form>
  );
}

function Devices() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { operator, writer } = useRoles();
  const devices = useQuery({
    queryKey: [...KEY, 'devices'],
    queryFn: ({ signal }) => certificatesApi.devices(signal),
  });
  const decide = useMutation({
    mutationFn: (v: { id: string; approve: boolean }) =>
      certificatesApi.decide(v.id, v.approve, v.approve ? undefined : t('registryCertificates.rejectReason')),
    onSuccess: () => void qc.invalidateQueries({ queryKey: KEY }),
  });
  const [form, setForm] = useState<Record<string, string>>({
    name: '',
    energySource: 'solar',
    capacityMW: '',
    country: 'CN',
    gridZone: '',
    commissioned: '',
  });
  const register = useMutation({
    mutationFn: certificatesApi.registerDevice,
    onSuccess: () => {
      setForm((f) => ({ ...f, name: '', capacityMW: '', gridZone: '', commissioned: '' }));
      void qc.invalidateQueries({ queryKey: KEY });
    },
  });
  const set = (k: string) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  const list: Device[] = devices.data?.devices ?? [];
  return (
    <>
      <ErrorAlert error={devices.error ?? decide.error} />
      <div className="card table-card">
        <h2>{t('registryCertificates.devices')}</h2>
        {devices.isLoading ? <Loading /> : null}
        {devices.data && list.length === 0 ? (
          <p className="empty">{t('registryCertificates.noDevices')}</p>
        ) : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="cert-devices">
              <thead>
                <tr>
                  <th>{t('registryCertificates.col.device')}</th>
                  <th>{t('registryCertificates.col.source')}</th>
                  <th className="num">MW</th>
                  <th>{t('registryCertificates.col.zone')}</th>
                  <th>{t('registryCertificates.col.owner')}</th>
                  <th>{t('registryCertificates.col.status')}</th>
                  {operator ? <th /> : null}
                </tr>
              </thead>
              <tbody>
                {list.map((d) => (
                  <tr key={d.id} data-testid="cert-device" data-code={d.code}>
                    <td>
                      {d.name}
                      <div className="muted small mono">{d.code}</div>
                    </td>
                    <td>
                      {t(`registryCertificates.source.${d.energySource}`, { defaultValue: d.energySource })}
                    </td>
                    <td className="num">{d.capacityMW}</td>
                    <td>
                      {d.country} · {d.gridZone}
                    </td>
                    <td>{d.org.name}</td>
                    <td>
                      <Badge
                        tone={d.status === 'approved' ? 'green' : d.status === 'pending' ? 'amber' : 'red'}
                      >
                        {t(`registryCertificates.deviceStatus.${d.status}`)}
                      </Badge>
                    </td>
                    {operator ? (
                      <td className="nowrap">
                        {d.status === 'pending' ? (
                          <>
                            <button
                              className="btn btn-primary"
                              onClick={() => decide.mutate({ id: d.id, approve: true })}
                            >
                              {t('registryCertificates.approve')}
                            </button>{' '}
                            <button
                              className="btn btn-danger"
                              onClick={() => decide.mutate({ id: d.id, approve: false })}
                            >
                              {t('registryCertificates.reject')}
                            </button>
                          </>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
      {writer ? (
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            register.mutate(form);
          }}
        >
          <h2>{t('registryCertificates.register')}</h2>
          <ErrorAlert error={register.error} />
          <div className="form-grid">
            <label className="field span-2">
              {t('registryCertificates.name')}
              <input value={form['name']} onChange={set('name')} required maxLength={200} />
            </label>
            <label className="field">
              {t('registryCertificates.col.source')}
              <select value={form['energySource']} onChange={set('energySource')}>
                {SOURCES.map((s) => (
                  <option key={s} value={s}>
                    {t(`registryCertificates.source.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              {t('registryCertificates.capacity')}
              <input value={form['capacityMW']} onChange={set('capacityMW')} inputMode="decimal" required />
            </label>
            <label className="field">
              {t('registryCertificates.country')}
              <input value={form['country']} onChange={set('country')} maxLength={2} required />
            </label>
            <label className="field">
              {t('registryCertificates.col.zone')}
              <input value={form['gridZone']} onChange={set('gridZone')} required />
            </label>
            <label className="field">
              {t('registryCertificates.commissioned')}
              <input type="date" value={form['commissioned']} onChange={set('commissioned')} required />
            </label>
          </div>
          <div className="form-actions">
            <button className="btn btn-primary" type="submit" disabled={register.isPending}>
              {t('registryCertificates.register')}
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}

/** GEC: a calendar month in China time; I-REC: whole days (UTC); EnergyTag: one UTC hour. */
function periodOf(scheme: string, v: { month: string; from: string; to: string; day: string; hour: string }) {
  if (scheme === 'GEC') {
    const [y, m] = v.month.split('-').map(Number);
    const next = m === 12 ? `${y! + 1}-01` : `${y}-${String(m! + 1).padStart(2, '0')}`;
    return { periodStart: `${v.month}-01T00:00:00+08:00`, periodEnd: `${next}-01T00:00:00+08:00` };
  }
  if (scheme === 'I-REC') return { periodStart: `${v.from}T00:00:00Z`, periodEnd: `${v.to}T00:00:00Z` };
  const h = Number(v.hour);
  const start = new Date(`${v.day}T00:00:00Z`);
  start.setUTCHours(h);
  const end = new Date(start.getTime() + 3600_000);
  return { periodStart: start.toISOString(), periodEnd: end.toISOString() };
}

function Issue() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const devices = useQuery({
    queryKey: [...KEY, 'devices'],
    queryFn: ({ signal }) => certificatesApi.devices(signal),
  });
  const issuances = useQuery({
    queryKey: [...KEY, 'issuances'],
    queryFn: ({ signal }) => certificatesApi.issuances(signal),
  });
  const approved = (devices.data?.devices ?? []).filter((d) => d.status === 'approved');
  const [scheme, setScheme] = useState('GEC');
  const [device, setDevice] = useState('');
  const [v, setV] = useState({ month: '', from: '', to: '', day: '', hour: '0', quantity: '' });
  const [notice, setNotice] = useState<string | null>(null);
  const issue = useMutation({
    mutationFn: certificatesApi.issue,
    onSuccess: (r) => {
      setNotice(t('registryCertificates.issued', { serial: r.issuance.serial }));
      void qc.invalidateQueries({ queryKey: KEY });
    },
  });
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) =>
    setV((o) => ({ ...o, [k]: e.target.value }));
  return (
    <>
      {notice ? (
        <div className="alert alert-success" role="status" data-testid="cert-notice">
          {notice}
        </div>
      ) : null}
      <form
        className="card"
        data-testid="cert-issue"
        onSubmit={(e) => {
          e.preventDefault();
          issue.mutate({
            scheme,
            device: device || approved[0]?.id || '',
            quantity: v.quantity,
            ...periodOf(scheme, v),
          });
        }}
      >
        <h2>{t('registryCertificates.issueTitle')}</h2>
        <ErrorAlert error={devices.error ?? issue.error} />
        <div className="form-grid">
          <label className="field">
            {t('registryCertificates.scheme')}
            <select value={scheme} onChange={(e) => setScheme(e.target.value)} data-testid="cert-scheme">
              <option value="GEC">{t('registryCertificates.schemes.GEC')}</option>
              <option value="I-REC">{t('registryCertificates.schemes.I-REC')}</option>
              <option value="EnergyTag">{t('registryCertificates.schemes.EnergyTag')}</option>
            </select>
          </label>
          <label className="field">
            {t('registryCertificates.col.device')}
            <select
              value={device}
              onChange={(e) => setDevice(e.target.value)}
              data-testid="cert-device-select"
            >
              {approved.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.code} {d.name} ({d.capacityMW} MW)
                </option>
              ))}
            </select>
          </label>
          {scheme === 'GEC' ? (
            <label className="field">
              {t('registryCertificates.month')}
              <input type="month" value={v.month} onChange={set('month')} data-testid="cert-month" required />
            </label>
          ) : scheme === 'I-REC' ? (
            <>
              <label className="field">
                {t('registryCertificates.from')}
                <input type="date" value={v.from} onChange={set('from')} required />
              </label>
              <label className="field">
                {t('registryCertificates.until')}
                <input type="date" value={v.to} onChange={set('to')} required />
              </label>
            </>
          ) : (
            <>
              <label className="field">
                {t('registryCertificates.day')}
                <input type="date" value={v.day} onChange={set('day')} required />
              </label>
              <label className="field">
                {t('registryCertificates.hour')}
                <select value={v.hour} onChange={set('hour')}>
                  {Array.from({ length: 24 }, (_, h) => (
                    <option key={h} value={String(h)}>
                      {String(h).padStart(2, '0')}:00
                    </option>
                  ))}
                </select>
              </label>
            </>
          )}
          <label className="field">
            {t('registryCertificates.quantityIn', { unit: scheme === 'EnergyTag' ? 'Wh' : 'MWh' })}
            <input
              value={v.quantity}
              onChange={set('quantity')}
              inputMode="numeric"
              data-testid="cert-issue-quantity"
              required
            />
          </label>
        </div>
        <p className="muted small">{t(`registryCertificates.rule.${scheme}`)}</p>
        <div className="form-actions">
          <button
            className="btn btn-primary"
            type="submit"
            disabled={issue.isPending || approved.length === 0}
            data-testid="cert-issue-submit"
          >
            {t('registryCertificates.issue')}
          </button>
        </div>
      </form>
      <div className="card table-card">
        <h2>{t('registryCertificates.issuances')}</h2>
        {issuances.isLoading ? <Loading /> : null}
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>{t('registryCertificates.col.serial')}</th>
                <th>{t('registryCertificates.col.period')}</th>
                <th className="num">{t('registryCertificates.col.quantity')}</th>
                <th>{t('registryCertificates.col.expires')}</th>
              </tr>
            </thead>
            <tbody>
              {(issuances.data?.issuances ?? []).map((i) => (
                <tr key={i.id}>
                  <td className="small mono">{i.serial}</td>
                  <td className="small nowrap">{period(i)}</td>
                  <td className="num nowrap">
                    {i.quantity} {i.unit}
                  </td>
                  <td className="nowrap">{day(i.expiresAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </>
  );
}

function Cancellations() {
  const { t } = useTranslation();
  const cancellations = useQuery({
    queryKey: [...KEY, 'cancellations'],
    queryFn: ({ signal }) => certificatesApi.cancellations(signal),
  });
  const list = cancellations.data?.cancellations ?? [];
  return (
    <>
      <ErrorAlert error={cancellations.error} />
      <div className="card table-card">
        <h2>{t('registryCertificates.cancellations')}</h2>
        <p className="muted small">{t('registryCertificates.claimHelp')}</p>
        {cancellations.isLoading ? <Loading /> : null}
        {cancellations.data && list.length === 0 ? (
          <p className="empty">{t('registryCertificates.noCancellations')}</p>
        ) : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="cert-cancellations">
              <thead>
                <tr>
                  <th>{t('registryCertificates.col.serial')}</th>
                  <th className="num">kWh</th>
                  <th>{t('registryCertificates.beneficiary')}</th>
                  <th>{t('registryCertificates.col.consumption')}</th>
                  <th>{t('registryCertificates.purpose')}</th>
                  <th>{t('registryCertificates.col.claim')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => (
                  <CancellationRow key={c.id} c={c} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </>
  );
}

function CancellationRow({ c }: { c: Cancellation }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [amount, setAmount] = useState(c.energyKWh);
  const claim = useMutation({
    mutationFn: () => certificatesApi.claim({ cancellation: c.id, amountKWh: amount }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: KEY }),
  });
  return (
    <tr data-testid="cert-cancellation" data-serial={c.serial}>
      <td>
        <Badge tone="outline">{c.scheme}</Badge>
        <div className="muted small mono">{c.serial}</div>
        <div className="muted small mono">{c.id}</div>
      </td>
      <td className="num">{c.energyKWh}</td>
      <td>{c.beneficiaryName}</td>
      <td className="nowrap small">
        {c.consumptionStart} – {c.consumptionEnd}
      </td>
      <td>{c.purpose}</td>
      <td>
        {c.claim ? (
          <Badge tone="blue" data-testid="cert-claimed">
            {c.claim.footprintId
              ? t('registryCertificates.claimedBy', { id: c.claim.footprintId.slice(0, 8) })
              : t('registryCertificates.claimed', { kWh: c.claim.amountKWh })}
          </Badge>
        ) : (
          <div className="inline-fields">
            <input
              aria-label={t('registryCertificates.claimAmount')}
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              inputMode="decimal"
              style={{ maxWidth: '9rem' }}
            />
            <button className="btn btn-secondary" disabled={claim.isPending} onClick={() => claim.mutate()}>
              {t('registryCertificates.claim')}
            </button>
          </div>
        )}
        <ErrorAlert error={claim.error} />
      </td>
    </tr>
  );
}
