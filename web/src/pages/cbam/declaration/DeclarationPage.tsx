import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import {
  formatDecimal,
  formatShare,
  importerApi,
  lineErrors,
  saveBlob,
  type Declaration,
  type DeclarationLine,
  type ShipmentRow,
} from '../suppliers/api';
import { SourceBadge } from '../suppliers/SourceBadge';

/** The first year of the definitive period, when annual declarations begin. */
const FIRST_YEAR = 2026;
const CSV_HEADER = 'reference,importDate,cn,countryOfOrigin,netMass,unit,installation';

/**
 * The importer's shipments and annual declaration: upload the year's shipments (CSV from the
 * customs declarations), see each linked to its supplier's data or to a default value, and the
 * declaration per CN code and country of origin with its totals, the de-minimis verdict, the due
 * date and the XML to file.
 */
export function DeclarationPage() {
  const { t } = useTranslation();
  const [yearText, setYearText] = useState(String(FIRST_YEAR));
  // Only a four-digit year is asked for: typing "20" on the way to "2027" sends nothing.
  const year = /^\d{4}$/.test(yearText) ? Number(yearText) : null;

  return (
    <section className="page">
      <header className="page-header with-actions">
        <div>
          <h1>{t('cbam.importer.declaration.title')}</h1>
          <p className="muted">{t('cbam.importer.declaration.intro')}</p>
        </div>
        <label className="field field-inline">
          <span>{t('cbam.importer.declaration.year')}</span>
          <input
            type="number"
            min={2023}
            max={2100}
            step={1}
            style={{ width: '7rem' }}
            value={yearText}
            data-testid="declaration-year"
            onChange={(e) => setYearText(e.target.value)}
          />
        </label>
      </header>

      <ShipmentsUpload />
      {year !== null ? (
        <>
          <DeclarationCard year={year} />
          <Shipments year={year} />
        </>
      ) : (
        <p className="alert alert-error" role="alert">
          {t('cbam.importer.declaration.badYear')}
        </p>
      )}
    </section>
  );
}

function ShipmentsUpload() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: (file: File) => importerApi.uploadShipments(file),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['cbam-importer'] }),
    onSettled: () => {
      if (input.current) input.current.value = '';
    },
  });
  return (
    <div className="card" data-testid="shipments-upload-card">
      <h2>{t('cbam.importer.declaration.upload')}</h2>
      <p className="muted small">{t('cbam.importer.declaration.uploadIntro')}</p>
      <pre className="code-block small">{CSV_HEADER}</pre>
      <label className="field">
        <span>{t('cbam.importer.declaration.chooseCsv')}</span>
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv"
          data-testid="shipments-upload"
          disabled={upload.isPending}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) upload.mutate(file);
          }}
        />
      </label>
      {upload.isPending ? <Loading /> : null}
      <ErrorAlert error={upload.error} title={t('cbam.importer.declaration.rejected')} />
      <LineErrors error={upload.error} />
      {upload.data ? (
        <div className="alert alert-success" role="status" data-testid="shipments-result">
          {t('cbam.importer.declaration.imported', { count: upload.data.imported })}
        </div>
      ) : null}
    </div>
  );
}

/** Every line a refused file had wrong (the server lists up to 50), under the first one's alert. */
function LineErrors({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const errors = lineErrors(error);
  if (errors.length <= 1) return null;
  return (
    <div className="small" data-testid="line-errors">
      {t('cbam.importer.declaration.lineErrors')}
      <ul>
        {errors.map((e, i) => (
          <li key={`${e.line}-${i}`} data-line={e.line}>
            {t('cbam.importer.declaration.line', { line: e.line })}
            {e.column ? <code> {e.column}</code> : null}: {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

const declarantName = (d: Declaration['declarant']): string => (typeof d === 'string' ? d : d.name);

function DeclarationCard({ year }: { year: number }) {
  const { t, i18n } = useTranslation();
  const n = (v: string | null | undefined) => formatDecimal(v, i18n.language);
  const q = useQuery({
    queryKey: ['cbam-importer', 'declaration', year],
    queryFn: ({ signal }) => importerApi.declaration(year, signal),
  });
  const download = useMutation({
    mutationFn: () => importerApi.declarationXml(year),
    onSuccess: (blob) => saveBlob(blob, `cbam-declaration-${year}.xml`),
  });
  const d = q.data;

  return (
    <div className="card table-card" data-testid="declaration">
      <div className="card-header" style={{ padding: '1rem 1.1rem 0' }}>
        <h2>{t('cbam.importer.declaration.declarationOf', { year })}</h2>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="declaration-xml"
          disabled={!d || download.isPending}
          onClick={() => download.mutate()}
        >
          {t('cbam.importer.declaration.downloadXml')}
        </button>
      </div>
      <div style={{ padding: '0 1.1rem' }}>
        <ErrorAlert error={q.error ?? download.error} />
        {q.isLoading ? <Loading /> : null}
      </div>
      {d ? (
        <>
          <dl className="meta" style={{ padding: '0 1.1rem 1rem' }}>
            <div>
              <dt>{t('cbam.importer.declaration.declarant')}</dt>
              <dd data-testid="declaration-declarant">{declarantName(d.declarant)}</dd>
            </div>
            <div>
              <dt>{t('cbam.importer.declaration.dueDate')}</dt>
              <dd data-testid="declaration-due">{d.dueDate}</dd>
            </div>
            <div>
              <dt>{t('cbam.importer.declaration.totalMass')}</dt>
              <dd data-testid="declaration-mass" data-value={d.deMinimis.totalMass}>
                {n(d.deMinimis.totalMass)} t
                {d.deMinimis.threshold !== null ? (
                  <span className="muted">
                    {' '}
                    / {t('cbam.importer.declaration.threshold')} {n(d.deMinimis.threshold)} t
                  </span>
                ) : null}
              </dd>
            </div>
            <div>
              <dt>{t('cbam.importer.declaration.deMinimis')}</dt>
              <dd>
                <Badge
                  tone={d.deMinimis.exempt ? 'blue' : 'amber'}
                  data-testid="de-minimis"
                  data-exempt={String(d.deMinimis.exempt)}
                >
                  {d.deMinimis.exempt
                    ? t('cbam.importer.declaration.exempt')
                    : t('cbam.importer.declaration.notExempt')}
                </Badge>
              </dd>
            </div>
          </dl>
          <p className="small" style={{ padding: '0 1.1rem' }} data-testid="de-minimis-explanation">
            {d.deMinimis.explanation}
            {d.deMinimis.source && !d.deMinimis.explanation.includes(d.deMinimis.source) ? (
              <span className="muted"> ({d.deMinimis.source})</span>
            ) : null}
          </p>
          {d.complete === false || (d.warnings && d.warnings.length > 0) ? (
            <div
              className="alert alert-error"
              role="alert"
              style={{ margin: '0 1.1rem 1rem' }}
              data-testid="declaration-warnings"
            >
              {d.complete === false ? (
                <div className="alert-title">{t('cbam.importer.declaration.incomplete')}</div>
              ) : null}
              <ul>
                {(d.warnings ?? []).map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {d.lines.length === 0 ? (
            <p className="empty" style={{ padding: '0.75rem 1.1rem' }} data-testid="declaration-empty">
              {t('cbam.importer.declaration.noLines')}
            </p>
          ) : (
            <LinesTable lines={d.lines} totals={d.totals} />
          )}
        </>
      ) : null}
    </div>
  );
}

function LinesTable({ lines, totals }: { lines: DeclarationLine[]; totals: Declaration['totals'] }) {
  const { t, i18n } = useTranslation();
  const n = (v: string) => formatDecimal(v, i18n.language);
  const col = (k: string) => t(`cbam.importer.columns.${k}`);
  return (
    <div className="table-wrap">
      <table className="table responsive-table" data-testid="declaration-lines">
        <thead>
          <tr>
            <th>{col('cn')}</th>
            <th>{col('country')}</th>
            <th className="num">{col('netMass')}</th>
            <th className="num">{col('direct')}</th>
            <th className="num">{col('indirect')}</th>
            <th className="num">{col('total')}</th>
            <th className="num">{col('defaultShare')}</th>
            <th className="num">{col('shipments')}</th>
            <th>{col('supplierFiles')}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr
              key={`${l.cn}-${l.country}-${l.route ?? ''}`}
              data-testid="declaration-line"
              data-cn={l.cn}
              data-country={l.country}
            >
              <td data-label={col('cn')}>
                <span className="code">{l.cn}</span>
                <div className="muted small">
                  {t(`cbam.importer.sectors.${l.sector}`, { defaultValue: l.sector })}
                  {l.route ? ` · ${l.route}` : null}
                </div>
              </td>
              <td data-label={col('country')}>{l.country}</td>
              <td className="num" data-label={col('netMass')} data-value={l.netMass}>
                {n(l.netMass)}
                {l.unit && l.unit !== 't' ? <span className="muted small"> {l.unit}</span> : null}
              </td>
              <td className="num" data-label={col('direct')} data-value={l.direct}>
                {n(l.direct)}
              </td>
              <td className="num" data-label={col('indirect')} data-value={l.indirect}>
                {l.indirectCounted === false ? (
                  <span className="muted small" title={t('cbam.importer.declaration.indirectNotCounted')}>
                    {t('cbam.importer.declaration.notCounted')}
                  </span>
                ) : (
                  n(l.indirect)
                )}
              </td>
              <td className="num" data-label={col('total')} data-testid="line-total" data-value={l.total}>
                <strong>{n(l.total)}</strong>
              </td>
              <td className="num" data-label={col('defaultShare')} data-value={l.defaultShare}>
                {Number(l.defaultShare) > 0 ? (
                  <Badge tone="amber">{formatShare(l.defaultShare)}</Badge>
                ) : (
                  formatShare(l.defaultShare)
                )}
              </td>
              <td className="num" data-label={col('shipments')}>
                {l.shipments}
              </td>
              <td data-label={col('supplierFiles')}>
                {Array.isArray(l.supplierFiles)
                  ? l.supplierFiles.map((f) => (
                      <div key={f.id} className="small" data-testid="line-supplier" data-file-id={f.id}>
                        {f.installation}{' '}
                        <span className="muted">{t('common.versionN', { n: f.version })}</span>
                      </div>
                    ))
                  : l.supplierFiles}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="declaration-totals">
            <th colSpan={2}>{t('cbam.importer.declaration.totals')}</th>
            <td
              className="num"
              data-label={col('netMass')}
              data-testid="total-mass"
              data-value={totals.netMass}
            >
              <strong>{n(totals.netMass)}</strong>
            </td>
            <td
              className="num"
              data-label={col('direct')}
              data-testid="total-direct"
              data-value={totals.direct}
            >
              <strong>{n(totals.direct)}</strong>
            </td>
            <td
              className="num"
              data-label={col('indirect')}
              data-testid="total-indirect"
              data-value={totals.indirect}
            >
              <strong>{n(totals.indirect)}</strong>
            </td>
            <td className="num" data-label={col('total')} data-testid="total-total" data-value={totals.total}>
              <strong>{n(totals.total)}</strong>
            </td>
            <td colSpan={3} className="muted small">
              {totals.electricity && totals.electricity !== '0'
                ? `${t('cbam.importer.declaration.electricity')}: ${n(totals.electricity)} MWh`
                : null}
            </td>
          </tr>
        </tfoot>
      </table>
      <p className="muted small" style={{ padding: '0.5rem 1.1rem' }}>
        {t('cbam.importer.declaration.unitNote')}
      </p>
    </div>
  );
}

function Shipments({ year }: { year: number }) {
  const { t, i18n } = useTranslation();
  const n = (v: string | null) => formatDecimal(v, i18n.language);
  const col = (k: string) => t(`cbam.importer.columns.${k}`);
  const q = useQuery({
    queryKey: ['cbam-importer', 'shipments', year],
    queryFn: ({ signal }) => importerApi.shipments(year, signal),
  });
  const items: ShipmentRow[] = q.data?.items ?? [];
  return (
    <div className="card table-card">
      <div className="card-header" style={{ padding: '1rem 1.1rem 0' }}>
        <h2>{t('cbam.importer.declaration.shipments', { year })}</h2>
      </div>
      <div style={{ padding: '0 1.1rem' }}>
        <ErrorAlert error={q.error} />
        {q.isLoading ? <Loading /> : null}
      </div>
      {q.data && items.length === 0 ? (
        <p className="empty" style={{ padding: '0.75rem 1.1rem' }} data-testid="shipments-empty">
          {t('cbam.importer.declaration.noShipments')}
        </p>
      ) : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table className="table responsive-table" data-testid="shipments">
            <thead>
              <tr>
                <th>{col('reference')}</th>
                <th>{col('cn')}</th>
                <th className="num">{col('netMass')}</th>
                <th>{col('supplier')}</th>
                <th className="num">{col('direct')}</th>
                <th className="num">{col('indirect')}</th>
                <th className="num">{col('total')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s, i) => (
                <tr
                  key={`${s.reference}-${i}`}
                  data-testid="shipment"
                  data-reference={s.reference}
                  data-source={s.source}
                >
                  <td data-label={col('reference')}>
                    <span className="mono small">{s.reference}</span>
                    <div className="muted small nowrap">{s.importDate}</div>
                  </td>
                  <td data-label={col('cn')}>
                    <span className="code">{s.cn}</span>
                    <div className="muted small">{s.countryOfOrigin}</div>
                  </td>
                  <td className="num" data-label={col('netMass')} data-value={s.netMass}>
                    {n(s.netMass)}
                    {s.unit && s.unit !== 't' ? <span className="muted small"> {s.unit}</span> : null}
                  </td>
                  <td data-label={col('supplier')}>
                    {s.linked ? (
                      <span data-testid="shipment-linked" data-file-id={s.linked.supplierFileId}>
                        {s.installation ?? ''}{' '}
                        <span className="muted small">{t('common.versionN', { n: s.linked.version })}</span>
                      </span>
                    ) : (
                      <>
                        {s.installation ? <span className="muted">{s.installation} </span> : null}
                        <SourceBadge source={s.source} />
                      </>
                    )}
                  </td>
                  <td className="num" data-label={col('direct')} data-value={s.direct}>
                    {n(s.direct)}
                  </td>
                  <td className="num" data-label={col('indirect')} data-value={s.indirect}>
                    {n(s.indirect)}
                  </td>
                  <td className="num" data-label={col('total')} data-value={s.total}>
                    {n(s.total)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
