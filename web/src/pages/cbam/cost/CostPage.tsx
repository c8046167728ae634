import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../../auth';
import { Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { costApi, type ProjectionInput } from './api';
import { CostChart } from './CostChart';

const KEY = 'cbam-cost';
const YEARS = [2026, 2027, 2028, 2029, 2030, 2031, 2032, 2033, 2034];
const MAX_CSV_BYTES = 1 << 20;

/**
 * The importer's CBAM cost: certificates owed for a declaration year (per line, total, whole
 * certificates and EUR, or the de-minimis exemption), the EU ETS price series it is priced with,
 * and a projection of a product line to 2034 as free allocation falls to zero.
 */
export function CostPage() {
  const { t } = useTranslation();
  const { user } = useMe();
  const orgsOfUser = useMemo(
    () => [...new Map((user?.memberships ?? []).map((m) => [m.orgId, m.orgName] as const)).entries()],
    [user],
  );
  const [chosenOrg, setOrg] = useState('');
  const org = chosenOrg || orgsOfUser[0]?.[0] || '';
  const writable = (user?.memberships ?? []).some(
    (m) => m.orgId === org && (m.role === 'admin' || m.role === 'member'),
  );
  const [year, setYear] = useState(2026);

  const owed = useQuery({
    queryKey: [KEY, 'owed', org, year],
    queryFn: ({ signal }) => costApi.owed(org, year, signal),
    enabled: org !== '',
  });
  const prices = useQuery({
    queryKey: [KEY, 'prices', org],
    queryFn: ({ signal }) => costApi.prices(org, signal),
    enabled: org !== '',
  });

  return (
    <section className="page" data-testid="cbam-cost-page">
      <header className="page-header">
        <h1>{t('cbam.cost.title')}</h1>
        <p className="muted">{t('cbam.cost.intro')}</p>
      </header>

      <div className="card">
        <div className="field-inline">
          {orgsOfUser.length > 1 ? (
            <label className="field">
              <span>{t('cbam.cost.organisation')}</span>
              <select value={org} onChange={(e) => setOrg(e.target.value)} data-testid="cost-org">
                {orgsOfUser.map(([id, name]) => (
                  <option key={id} value={id}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="field">
            <span>{t('cbam.cost.year')}</span>
            <select value={year} onChange={(e) => setYear(Number(e.target.value))} data-testid="cost-year">
              {YEARS.map((y) => (
                <option key={y} value={y}>
                  {y}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>

      <div className="card table-card" data-testid="cost-owed">
        <h2>{t('cbam.cost.owedTitle', { year })}</h2>
        <ErrorAlert error={owed.error} />
        {owed.isLoading ? <Loading /> : null}
        {owed.data ? (
          <>
            {owed.data.exempt ? (
              <div className="alert alert-info" role="status" data-testid="cost-exempt">
                <strong>{t('cbam.cost.exempt')}</strong> {owed.data.exemptReason}
              </div>
            ) : owed.data.lines.length === 0 ? (
              <p className="empty">{t('cbam.cost.noLines')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table responsive-table" data-testid="cost-lines">
                  <thead>
                    <tr>
                      <th>{t('cbam.cost.columns.cn')}</th>
                      <th>{t('cbam.cost.columns.country')}</th>
                      <th className="num">{t('cbam.cost.columns.netMass')}</th>
                      <th className="num">{t('cbam.cost.columns.embedded')}</th>
                      <th className="num">{t('cbam.cost.columns.share')}</th>
                      <th className="num">{t('cbam.cost.columns.benchmark')}</th>
                      <th className="num">{t('cbam.cost.columns.adjustment')}</th>
                      <th className="num">{t('cbam.cost.columns.deduction')}</th>
                      <th className="num">{t('cbam.cost.columns.certificates')}</th>
                      <th className="num">{t('cbam.cost.columns.cost')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {owed.data.lines.map((l) => (
                      <tr key={`${l.cn}-${l.country}-${l.route ?? ''}`}>
                        <td data-label={t('cbam.cost.columns.cn')} className="mono">
                          {l.cn}
                        </td>
                        <td data-label={t('cbam.cost.columns.country')}>{l.country}</td>
                        <td data-label={t('cbam.cost.columns.netMass')} className="num">
                          {l.netMass}
                        </td>
                        <td data-label={t('cbam.cost.columns.embedded')} className="num">
                          {l.embedded}
                        </td>
                        <td data-label={t('cbam.cost.columns.share')} className="num">
                          {l.freeAllocationShare}
                        </td>
                        <td
                          data-label={t('cbam.cost.columns.benchmark')}
                          className="num"
                          title={l.benchmarkSource ?? undefined}
                        >
                          {l.benchmark ?? '–'}
                        </td>
                        <td data-label={t('cbam.cost.columns.adjustment')} className="num">
                          {l.freeAllocationAdjustment}
                        </td>
                        <td data-label={t('cbam.cost.columns.deduction')} className="num">
                          {l.carbonPriceDeduction}
                        </td>
                        <td data-label={t('cbam.cost.columns.certificates')} className="num">
                          {l.certificates}
                        </td>
                        <td data-label={t('cbam.cost.columns.cost')} className="num">
                          {l.costEur ?? '–'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <dl className="summary" data-testid="cost-totals">
              <dt>{t('cbam.cost.certificatesExact')}</dt>
              <dd>{owed.data.totals.certificatesExact}</dd>
              <dt>{t('cbam.cost.certificatesToSurrender')}</dt>
              <dd data-testid="cost-whole">{owed.data.totals.certificatesToSurrender}</dd>
              <dt>{t('cbam.cost.price')}</dt>
              <dd>
                {owed.data.price
                  ? t('cbam.cost.priceValue', {
                      price: owed.data.price.eurPerCertificate,
                      periods: owed.data.price.periods,
                    })
                  : t('cbam.cost.noPrice')}
              </dd>
              <dt>{t('cbam.cost.totalCost')}</dt>
              <dd data-testid="cost-eur">
                {owed.data.totals.costEur === null ? '–' : `EUR ${owed.data.totals.costEur}`}
              </dd>
            </dl>
            <p className="muted small">
              {t('cbam.cost.timeline', {
                onSale: owed.data.timeline.certificatesOnSaleFrom,
                due: owed.data.timeline.declarationDue,
              })}
            </p>
            <p className="muted small">{t('cbam.cost.rounding')}</p>
            {owed.data.notes.map((n) => (
              <p key={n} className="muted small">
                {n}
              </p>
            ))}
          </>
        ) : null}
      </div>

      <PricesCard org={org} writable={writable} prices={prices.data?.prices ?? []} error={prices.error} />
      <ProjectionCard />
    </section>
  );
}

function PricesCard({
  org,
  writable,
  prices,
  error,
}: {
  org: string;
  writable: boolean;
  prices: { periodStart: string; periodEnd: string; priceEur: string; kind: string }[];
  error: unknown;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [tooLarge, setTooLarge] = useState(false);
  const upload = useMutation({
    mutationFn: (csv: string) => costApi.importPrices(org, csv),
    onSuccess: () => void qc.invalidateQueries({ queryKey: [KEY] }),
  });
  return (
    <div className="card" data-testid="cost-prices">
      <h2>{t('cbam.cost.pricesTitle')}</h2>
      <p className="muted small">{t('cbam.cost.pricesIntro')}</p>
      <ErrorAlert error={error} />
      {writable ? (
        <label className="field">
          <span>{t('cbam.cost.uploadPrices')}</span>
          <input
            ref={input}
            type="file"
            accept=".csv,text/csv"
            data-testid="cost-prices-file"
            disabled={upload.isPending}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (input.current) input.current.value = '';
              setTooLarge(false);
              if (!file) return;
              if (file.size > MAX_CSV_BYTES) {
                setTooLarge(true);
                return;
              }
              void file.text().then((csv) => upload.mutate(csv));
            }}
          />
        </label>
      ) : null}
      {upload.isPending ? <Loading /> : null}
      {upload.data ? (
        <p className="alert alert-success" role="status" data-testid="cost-prices-imported">
          {t('cbam.cost.imported', { count: upload.data.imported })}
        </p>
      ) : null}
      {tooLarge ? (
        <div className="alert alert-error" role="alert">
          {t('cbam.cost.tooLarge')}
        </div>
      ) : null}
      <ErrorAlert error={upload.error} title={t('cbam.cost.refused')} />
      {prices.length === 0 ? (
        <p className="empty">{t('cbam.cost.noPrices')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="cost-prices-table">
            <thead>
              <tr>
                <th>{t('cbam.cost.columns.periodStart')}</th>
                <th>{t('cbam.cost.columns.periodEnd')}</th>
                <th className="num">{t('cbam.cost.columns.priceEur')}</th>
                <th>{t('cbam.cost.columns.kind')}</th>
              </tr>
            </thead>
            <tbody>
              {prices.map((p) => (
                <tr key={p.periodStart}>
                  <td>{p.periodStart}</td>
                  <td>{p.periodEnd}</td>
                  <td className="num">{p.priceEur}</td>
                  <td>{t(`cbam.cost.kinds.${p.kind}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ProjectionCard() {
  const { t } = useTranslation();
  const [form, setForm] = useState({
    cn: '76011000',
    country: 'CN',
    route: 'primary',
    tonnesPerYear: '1000',
    seeDirect: '1.9',
    priceEur: '80',
    priceGrowthPerYear: '',
    carbonPricePaidEurPerT: '',
  });
  const project = useMutation({ mutationFn: (input: ProjectionInput) => costApi.projection(input) });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const opt = (k: keyof typeof form) => (form[k].trim() === '' ? {} : { [k]: form[k].trim() });
    project.mutate({
      cn: form.cn,
      country: form.country.trim().toUpperCase(),
      tonnesPerYear: form.tonnesPerYear,
      seeDirect: form.seeDirect,
      ...opt('route'),
      ...opt('priceEur'),
      ...opt('priceGrowthPerYear'),
      ...opt('carbonPricePaidEurPerT'),
    });
  };
  const labels = useMemo(
    () => ({ cost: t('cbam.cost.chartCost'), certificates: t('cbam.cost.chartCertificates') }),
    [t],
  );
  const fields: [keyof typeof form, string][] = [
    ['cn', 'cbam.cost.form.cn'],
    ['country', 'cbam.cost.form.country'],
    ['route', 'cbam.cost.form.route'],
    ['tonnesPerYear', 'cbam.cost.form.tonnes'],
    ['seeDirect', 'cbam.cost.form.see'],
    ['priceEur', 'cbam.cost.form.price'],
    ['priceGrowthPerYear', 'cbam.cost.form.growth'],
    ['carbonPricePaidEurPerT', 'cbam.cost.form.carbonPrice'],
  ];
  return (
    <div className="card" data-testid="cost-projection">
      <h2>{t('cbam.cost.projectionTitle')}</h2>
      <p className="muted small">{t('cbam.cost.projectionIntro')}</p>
      <form onSubmit={submit} className="form-grid">
        {fields.map(([k, label]) => (
          <label className="field" key={k}>
            <span>{t(label)}</span>
            <input value={form[k]} onChange={set(k)} data-testid={`projection-${k}`} />
          </label>
        ))}
        <button
          type="submit"
          className="btn btn-primary"
          disabled={project.isPending}
          data-testid="projection-submit"
        >
          {t('cbam.cost.project')}
        </button>
      </form>
      <ErrorAlert error={project.error} />
      {project.isPending ? <Loading /> : null}
      {project.data ? (
        <>
          <p className="muted small">
            {t('cbam.cost.benchmark')}:{' '}
            {project.data.benchmark
              ? `${project.data.benchmark.value} t CO₂e/t (${project.data.benchmark.source})`
              : t('cbam.cost.noBenchmark')}
            {' · '}
            {project.data.priceBasis}
          </p>
          <CostChart rows={project.data.rows} labels={labels} />
          <div className="table-wrap">
            <table className="table" data-testid="projection-table">
              <thead>
                <tr>
                  <th>{t('cbam.cost.columns.year')}</th>
                  <th className="num">{t('cbam.cost.columns.share')}</th>
                  <th className="num">{t('cbam.cost.columns.embedded')}</th>
                  <th className="num">{t('cbam.cost.columns.adjustment')}</th>
                  <th className="num">{t('cbam.cost.columns.deduction')}</th>
                  <th className="num">{t('cbam.cost.columns.certificates')}</th>
                  <th className="num">{t('cbam.cost.columns.priceEur')}</th>
                  <th className="num">{t('cbam.cost.columns.cost')}</th>
                </tr>
              </thead>
              <tbody>
                {project.data.rows.map((r) => (
                  <tr key={r.year}>
                    <td>{r.year}</td>
                    <td className="num">{r.freeAllocationShare}</td>
                    <td className="num">{r.embedded}</td>
                    <td className="num">{r.benchmarkAdjustment}</td>
                    <td className="num">{r.carbonPriceDeduction}</td>
                    <td className="num">{r.wholeCertificates}</td>
                    <td className="num">{r.priceEur}</td>
                    <td className="num">{r.costEur}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p data-testid="projection-total">
            {t('cbam.cost.projectionTotal', {
              certificates: project.data.totals.certificates,
              cost: project.data.totals.costEur,
            })}
          </p>
          {project.data.notes.map((n) => (
            <p key={n} className="muted small">
              {n}
            </p>
          ))}
        </>
      ) : null}
    </div>
  );
}
