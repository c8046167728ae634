import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../../auth';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { article6Api, sha256Hex, type Authorization, type CaStatus, type Use } from './api';

/** AEF Table 15(b) sectors and Table 51(b) activity types (the server checks them too). */
const SECTORS = [
  'Agriculture',
  'Building and construction',
  'Cross-sectoral mechanisms',
  'Energy generation',
  'Forestry and land use',
  'Industrial processes',
  'Transportation',
  'Urban development',
  'Waste management',
];
const ACTIVITIES = [
  'Afforestation',
  'Agriculture',
  'Biogas',
  'Biomass Energy',
  'Cement',
  'Coal bed/mine methane',
  'Energy distribution',
  'Energy Efficiency Industry',
  'Fossil fuel switch',
  'Geothermal',
  'Hydro',
  'Landfill gas',
  'Methane avoidance',
  'Reforestation',
  'Solar',
  'Transport',
  'Waste',
  'Wind',
];
const CA_TONE: Record<CaStatus, string> = { 'Not Started': 'gray', Pending: 'amber', Completed: 'green' };
const KEY = ['registry', 'article6'];

/**
 * Article 6: cooperative approaches, letters of authorisation with their ITMO ranges (first
 * transfer and corresponding-adjustment status), uses towards NDCs, adjustments per host Party and
 * year, and the AEF report download. Writes are the registry operator's.
 */
export function Article6Page() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const { user } = useMe();
  const roles = new Set(user?.memberships.map((m) => m.role) ?? []);
  const operator = roles.has('registry_operator');
  const reader = operator || roles.has('regulator');
  const refresh = () => qc.invalidateQueries({ queryKey: KEY });

  const approaches = useQuery({
    queryKey: [...KEY, 'approaches'],
    queryFn: ({ signal }) => article6Api.approaches(signal),
  });
  const letters = useQuery({
    queryKey: [...KEY, 'letters'],
    queryFn: ({ signal }) => article6Api.authorizations(signal),
  });
  const uses = useQuery({ queryKey: [...KEY, 'uses'], queryFn: ({ signal }) => article6Api.uses(signal) });
  const adjustments = useQuery({
    queryKey: [...KEY, 'adjustments'],
    queryFn: ({ signal }) => article6Api.adjustments(signal),
    enabled: reader,
  });
  const [selected, setSelected] = useState<string | null>(null);
  const units = useQuery({
    queryKey: [...KEY, 'units', selected],
    queryFn: ({ signal }) => article6Api.units(selected!, signal),
    enabled: selected !== null,
  });
  const [notice, setNotice] = useState<string | null>(null);

  const mark = useMutation({
    mutationFn: (v: { id: string; start: string; end: string }) => article6Api.mark(v.id, v.start, v.end),
    onSuccess: (r) => {
      setNotice(t('registryArticle6.markedNotice', { quantity: r.quantity }));
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (v: { id: string; reason: string }) => article6Api.revoke(v.id, v.reason),
    onSuccess: () => void refresh(),
  });
  const apply = useMutation({
    mutationFn: article6Api.applyAdjustments,
    onSuccess: (r) => {
      setNotice(t('registryArticle6.appliedNotice', { quantity: r.quantity }));
      void refresh();
    },
  });

  const when = (s: string) => new Date(s).toLocaleDateString(i18n.language);
  const list = letters.data?.authorizations ?? [];
  const current = list.find((l) => l.id === selected) ?? null;

  return (
    <section className="page" data-testid="article6-page">
      <header className="page-header">
        <h1>{t('registryArticle6.title')}</h1>
        <p className="muted">{t('registryArticle6.intro')}</p>
      </header>
      {notice ? (
        <div className="alert" role="status" data-testid="article6-notice">
          {notice}
        </div>
      ) : null}
      <ErrorAlert
        error={
          approaches.error ??
          letters.error ??
          uses.error ??
          adjustments.error ??
          mark.error ??
          revoke.error ??
          apply.error
        }
      />

      <div className="card table-card">
        <h2>{t('registryArticle6.approaches')}</h2>
        {approaches.isLoading ? <Loading /> : null}
        {approaches.data && approaches.data.approaches.length === 0 ? (
          <p className="empty">{t('registryArticle6.noApproaches')}</p>
        ) : null}
        {(approaches.data?.approaches.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="article6-approaches">
              <thead>
                <tr>
                  <th>{t('registryArticle6.columns.code')}</th>
                  <th>{t('registryArticle6.columns.name')}</th>
                  <th>{t('registryArticle6.columns.parties')}</th>
                  <th className="num">{t('registryArticle6.columns.ledger')}</th>
                </tr>
              </thead>
              <tbody>
                {approaches.data!.approaches.map((a) => (
                  <tr key={a.id}>
                    <td className="mono">{a.code}</td>
                    <td>{a.name}</td>
                    <td>{a.parties.join(' · ')}</td>
                    <td className="num">
                      <a href={`/ledger/entries/${a.ledger.index}`}>#{a.ledger.index}</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      <div className="card table-card">
        <h2>{t('registryArticle6.letters')}</h2>
        {letters.isLoading ? <Loading /> : null}
        {letters.data && list.length === 0 ? (
          <p className="empty">{t('registryArticle6.noLetters')}</p>
        ) : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="article6-letters">
              <thead>
                <tr>
                  <th>{t('registryArticle6.columns.letter')}</th>
                  <th>{t('registryArticle6.columns.parties')}</th>
                  <th>{t('registryArticle6.columns.uses')}</th>
                  <th>{t('registryArticle6.columns.status')}</th>
                  <th className="num">{t('registryArticle6.columns.itmos')}</th>
                  <th className="num">{t('registryArticle6.columns.firstTransferred')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((l) => (
                  <tr
                    key={l.id}
                    data-testid="article6-letter"
                    data-code={l.code}
                    className={l.id === selected ? 'selected' : ''}
                  >
                    <td>
                      <span className="mono">{l.code}</span>
                      <div className="muted small">
                        {l.approach.code} · {l.sector} · {l.activityType} · {when(l.createdAt)}
                      </div>
                    </td>
                    <td>
                      {l.hostParty} → {l.acquiringParty ?? t('registryArticle6.anyParty')}
                    </td>
                    <td>{l.uses.map((u) => t(`registryArticle6.use.${u}`)).join(' + ')}</td>
                    <td>
                      <Badge tone={l.status === 'active' ? 'green' : 'gray'}>
                        {t(`registryArticle6.status.${l.status}`)}
                      </Badge>
                    </td>
                    <td className="num">{l.units.authorized}</td>
                    <td className="num">{l.units.firstTransferred}</td>
                    <td>
                      <button type="button" className="btn btn-secondary" onClick={() => setSelected(l.id)}>
                        {t('registryArticle6.showUnits')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      {current ? (
        <LetterUnits
          letter={current}
          operator={operator}
          units={units.data?.units}
          loading={units.isLoading}
          busy={mark.isPending || revoke.isPending}
          onMark={(start, end) => mark.mutate({ id: current.id, start, end })}
          onRevoke={(reason) => revoke.mutate({ id: current.id, reason })}
        />
      ) : null}

      {operator ? (
        <NewLetter
          approaches={approaches.data?.approaches.map((a) => a.code) ?? []}
          onDone={(code) => {
            setNotice(t('registryArticle6.letterNotice', { code }));
            void refresh();
          }}
        />
      ) : null}

      {reader && adjustments.data ? (
        <div className="card table-card">
          <h2>{t('registryArticle6.adjustments')}</h2>
          <p className="muted small">{t('registryArticle6.adjustmentsIntro')}</p>
          {adjustments.data.summary.length === 0 && adjustments.data.notStarted.length === 0 ? (
            <p className="empty">{t('registryArticle6.noAdjustments')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="article6-adjustments">
                <thead>
                  <tr>
                    <th>{t('registryArticle6.columns.party')}</th>
                    <th>{t('registryArticle6.columns.year')}</th>
                    <th className="num">{t('registryArticle6.caStatus.Not Started')}</th>
                    <th className="num">{t('registryArticle6.caStatus.Pending')}</th>
                    <th className="num">{t('registryArticle6.caStatus.Completed')}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {adjustments.data.notStarted.map((n) => (
                    <tr key={`ns-${n.party}`}>
                      <td>{n.party}</td>
                      <td>–</td>
                      <td className="num">{n.quantity}</td>
                      <td />
                      <td />
                      <td />
                    </tr>
                  ))}
                  {adjustments.data.summary.map((s) => (
                    <tr key={`${s.party}-${s.year}`}>
                      <td>{s.party}</td>
                      <td>{s.year}</td>
                      <td />
                      <td className="num">{s.pending}</td>
                      <td className="num">{s.completed}</td>
                      <td>
                        {operator && s.pending !== '0' ? (
                          <button
                            type="button"
                            className="btn btn-secondary"
                            disabled={apply.isPending}
                            onClick={() => {
                              const reference = window.prompt(t('registryArticle6.referencePrompt')) ?? '';
                              if (reference.trim()) apply.mutate({ party: s.party, year: s.year, reference });
                            }}
                          >
                            {t('registryArticle6.markApplied')}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ) : null}

      <div className="card table-card">
        <h2>{t('registryArticle6.uses')}</h2>
        {uses.data && uses.data.uses.length === 0 ? (
          <p className="empty">{t('registryArticle6.noUses')}</p>
        ) : null}
        {(uses.data?.uses.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="article6-uses">
              <thead>
                <tr>
                  <th>{t('registryArticle6.columns.use')}</th>
                  <th>{t('registryArticle6.columns.party')}</th>
                  <th className="num">{t('registryArticle6.columns.quantity')}</th>
                  <th>{t('registryArticle6.columns.account')}</th>
                  <th>{t('registryArticle6.columns.date')}</th>
                </tr>
              </thead>
              <tbody>
                {uses.data!.uses.map((u) => (
                  <tr key={u.transactionId}>
                    <td>
                      {t(`registryArticle6.use.${u.use}`)}
                      {u.year ? <div className="muted small">{u.year}</div> : null}
                    </td>
                    <td>{u.party}</td>
                    <td className="num">{u.quantity}</td>
                    <td className="mono">{u.fromAccount ?? '–'}</td>
                    <td>{when(u.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      {reader ? <AefDownload /> : null}
    </section>
  );
}

function LetterUnits(props: {
  letter: Authorization;
  operator: boolean;
  units: import('./api').Unit[] | undefined;
  loading: boolean;
  busy: boolean;
  onMark: (start: string, end: string) => void;
  onRevoke: (reason: string) => void;
}) {
  const { t } = useTranslation();
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const l = props.letter;
  return (
    <div className="card table-card" data-testid="article6-units">
      <h2>{t('registryArticle6.unitsOf', { code: l.code })}</h2>
      <p className="muted small">
        {l.projects.map((p) => p.code).join(', ')} ·{' '}
        {t('registryArticle6.validity', { from: l.validFrom, until: l.validUntil })}
        {' · '}
        <span className="mono">SHA-256 {l.document.sha256.slice(0, 16)}…</span>
      </p>
      {props.loading ? <Loading /> : null}
      {props.units && props.units.length === 0 ? (
        <p className="empty">{t('registryArticle6.noUnits')}</p>
      ) : null}
      {(props.units?.length ?? 0) > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>{t('registryArticle6.columns.serial')}</th>
                <th className="num">{t('registryArticle6.columns.quantity')}</th>
                <th>{t('registryArticle6.columns.state')}</th>
                <th>{t('registryArticle6.columns.firstTransferred')}</th>
                <th>{t('registryArticle6.columns.adjustment')}</th>
                <th>{t('registryArticle6.columns.account')}</th>
              </tr>
            </thead>
            <tbody>
              {props.units!.map((u) => (
                <tr key={u.start} data-testid="article6-unit">
                  <td className="mono small">{u.serial}</td>
                  <td className="num">{u.quantity}</td>
                  <td>{u.state}</td>
                  <td>{u.firstTransferred ? t('registryArticle6.yes') : t('registryArticle6.no')}</td>
                  <td>
                    <Badge tone={CA_TONE[u.adjustment]}>
                      {t(`registryArticle6.caStatus.${u.adjustment}`)}
                    </Badge>
                  </td>
                  <td className="mono small">{u.account ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {props.operator && l.status === 'active' ? (
        <form
          className="inline-fields"
          onSubmit={(e) => {
            e.preventDefault();
            props.onMark(start.trim(), (end.trim() || start).trim());
          }}
        >
          <label className="field">
            {t('registryArticle6.fields.start')}
            <input
              inputMode="numeric"
              value={start}
              onChange={(e) => setStart(e.target.value)}
              data-testid="article6-mark-start"
            />
          </label>
          <label className="field">
            {t('registryArticle6.fields.end')}
            <input
              inputMode="numeric"
              value={end}
              onChange={(e) => setEnd(e.target.value)}
              data-testid="article6-mark-end"
            />
          </label>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={props.busy || !start}>
              {t('registryArticle6.mark')}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={props.busy}
              onClick={() => {
                const reason = window.prompt(t('registryArticle6.revokeReason')) ?? '';
                if (reason.trim()) props.onRevoke(reason);
              }}
            >
              {t('registryArticle6.revoke')}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}

function NewLetter({ approaches, onDone }: { approaches: string[]; onDone: (code: string) => void }) {
  const { t } = useTranslation();
  const year = new Date().getFullYear();
  const [f, setF] = useState({
    code: '',
    approach: '',
    hostParty: 'CN',
    acquiringParty: '',
    ndc: true,
    oimp: false,
    oimpPurpose: '',
    firstTransferOimp: 'authorization',
    sector: 'Energy generation',
    activityType: 'Solar',
    authorizedQuantity: '',
    validFrom: `${year}-01-01`,
    validUntil: '2030-12-31',
    vintageFrom: '2021',
    vintageTo: '2030',
    projects: '',
    documentName: '',
    sha256: '',
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const create = useMutation({
    mutationFn: () => {
      const uses: Use[] = [...(f.ndc ? (['ndc'] as const) : []), ...(f.oimp ? (['oimp'] as const) : [])];
      return article6Api.createAuthorization({
        code: f.code.trim(),
        approach: f.approach || approaches[0] || '',
        hostParty: f.hostParty.trim().toUpperCase(),
        acquiringParty: f.acquiringParty.trim() ? f.acquiringParty.trim().toUpperCase() : null,
        uses,
        oimpPurpose: f.oimp && f.oimpPurpose.trim() ? f.oimpPurpose.trim() : null,
        firstTransferOimp: f.oimp ? f.firstTransferOimp : null,
        sector: f.sector,
        activityType: f.activityType,
        authorizedQuantity: f.authorizedQuantity.trim() || null,
        validFrom: f.validFrom,
        validUntil: f.validUntil,
        vintageFrom: f.vintageFrom ? Number(f.vintageFrom) : null,
        vintageTo: f.vintageTo ? Number(f.vintageTo) : null,
        projects: f.projects
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
        document: { name: f.documentName.trim(), sha256: f.sha256 },
      });
    },
    onSuccess: (r) => onDone(r.authorization.code),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card" onSubmit={submit} data-testid="article6-new-letter">
      <h2>{t('registryArticle6.newLetter')}</h2>
      <ErrorAlert error={create.error} />
      <div className="form-grid">
        <label className="field">
          {t('registryArticle6.fields.code')}
          <input
            value={f.code}
            onChange={set('code')}
            required
            placeholder="CN-LOA-2026-002"
            data-testid="a6-code"
          />
        </label>
        <label className="field">
          {t('registryArticle6.fields.approach')}
          <select value={f.approach || approaches[0] || ''} onChange={set('approach')}>
            {approaches.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('registryArticle6.fields.hostParty')}
          <input value={f.hostParty} onChange={set('hostParty')} maxLength={2} required />
        </label>
        <label className="field">
          {t('registryArticle6.fields.acquiringParty')}
          <input
            value={f.acquiringParty}
            onChange={set('acquiringParty')}
            maxLength={2}
            placeholder="SG"
            data-testid="a6-acquiring"
          />
        </label>
        <fieldset className="field span-2">
          <legend>{t('registryArticle6.fields.uses')}</legend>
          <label className="field-inline">
            <input type="checkbox" checked={f.ndc} onChange={(e) => setF({ ...f, ndc: e.target.checked })} />
            {t('registryArticle6.use.ndc')}
          </label>
          <label className="field-inline">
            <input
              type="checkbox"
              checked={f.oimp}
              onChange={(e) => setF({ ...f, oimp: e.target.checked })}
            />
            {t('registryArticle6.use.oimp')}
          </label>
        </fieldset>
        {f.oimp ? (
          <>
            <label className="field">
              {t('registryArticle6.fields.oimpPurpose')}
              <input value={f.oimpPurpose} onChange={set('oimpPurpose')} placeholder="CORSIA" />
            </label>
            <label className="field">
              {t('registryArticle6.fields.firstTransfer')}
              <select value={f.firstTransferOimp} onChange={set('firstTransferOimp')}>
                {['authorization', 'issuance', 'use-or-cancellation'].map((d) => (
                  <option key={d} value={d}>
                    {t(`registryArticle6.firstTransfer.${d}`)}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        <label className="field">
          {t('registryArticle6.fields.sector')}
          <select value={f.sector} onChange={set('sector')}>
            {SECTORS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('registryArticle6.fields.activityType')}
          <select value={f.activityType} onChange={set('activityType')}>
            {ACTIVITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('registryArticle6.fields.validFrom')}
          <input type="date" value={f.validFrom} onChange={set('validFrom')} required />
        </label>
        <label className="field">
          {t('registryArticle6.fields.validUntil')}
          <input type="date" value={f.validUntil} onChange={set('validUntil')} required />
        </label>
        <label className="field">
          {t('registryArticle6.fields.vintageFrom')}
          <input inputMode="numeric" value={f.vintageFrom} onChange={set('vintageFrom')} />
        </label>
        <label className="field">
          {t('registryArticle6.fields.vintageTo')}
          <input inputMode="numeric" value={f.vintageTo} onChange={set('vintageTo')} />
        </label>
        <label className="field">
          {t('registryArticle6.fields.authorizedQuantity')}
          <input inputMode="numeric" value={f.authorizedQuantity} onChange={set('authorizedQuantity')} />
        </label>
        <label className="field">
          {t('registryArticle6.fields.projects')}
          <input value={f.projects} onChange={set('projects')} required data-testid="a6-projects" />
        </label>
        <label className="field span-2">
          {t('registryArticle6.fields.document')}
          <input
            type="file"
            data-testid="a6-document"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file)
                void sha256Hex(file).then((sha256) =>
                  setF((x) => ({ ...x, documentName: file.name, sha256 })),
                );
            }}
          />
          {f.sha256 ? <span className="muted small mono">SHA-256 {f.sha256}</span> : null}
        </label>
      </div>
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={create.isPending || !f.sha256}
          data-testid="a6-issue"
        >
          {t('registryArticle6.issueLetter')}
        </button>
      </div>
    </form>
  );
}

function AefDownload() {
  const { t } = useTranslation();
  const [party, setParty] = useState('CN');
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const ok = /^[A-Z]{2}$/.test(party) && /^\d{4}$/.test(year);
  return (
    <div className="card">
      <h2>{t('registryArticle6.aef')}</h2>
      <p className="muted small">{t('registryArticle6.aefIntro')}</p>
      <div className="inline-fields">
        <label className="field">
          {t('registryArticle6.columns.party')}
          <input
            value={party}
            maxLength={2}
            onChange={(e) => setParty(e.target.value.toUpperCase())}
            data-testid="aef-party"
          />
        </label>
        <label className="field">
          {t('registryArticle6.columns.year')}
          <input
            inputMode="numeric"
            value={year}
            onChange={(e) => setYear(e.target.value)}
            data-testid="aef-year"
          />
        </label>
      </div>
      <div className="form-actions">
        {ok ? (
          <>
            <a
              className="btn btn-primary"
              href={article6Api.aefUrl(party, Number(year), 'xlsx')}
              download
              data-testid="aef-download"
            >
              {t('registryArticle6.downloadXlsx')}
            </a>
            <a
              className="btn btn-secondary"
              href={article6Api.aefUrl(party, Number(year), 'json')}
              target="_blank"
              rel="noreferrer"
            >
              {t('registryArticle6.viewJson')}
            </a>
          </>
        ) : null}
      </div>
    </div>
  );
}
