import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useLocalize } from '../../../format';
import { formatDecimal, importerApi, type SupplierFile, type SupplierImport } from './api';
import { SourceBadge } from './SourceBadge';

/**
 * The importer's supplier files: upload a communication file an installation sent (our JSON or a
 * workbook laid out like the Commission's template); the server validates it, checks its signature
 * and keeps it as a new version. The table lists every version with its goods and their specific
 * embedded emissions, marked actual or default.
 */
export function SuppliersPage() {
  const { t } = useTranslation();
  const files = useQuery({
    queryKey: ['cbam-importer', 'supplier-files'],
    queryFn: ({ signal }) => importerApi.supplierFiles(signal),
  });
  const items = files.data?.items ?? [];

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('cbam.importer.suppliers.title')}</h1>
        <p className="muted">{t('cbam.importer.suppliers.intro')}</p>
      </header>

      <UploadCard />

      <div className="card table-card">
        <div className="card-header" style={{ padding: '1rem 1.1rem 0' }}>
          <h2>{t('cbam.importer.suppliers.files')}</h2>
        </div>
        <div style={{ padding: '0 1.1rem' }}>
          <ErrorAlert error={files.error} />
          {files.isLoading ? <Loading /> : null}
        </div>
        {files.data && items.length === 0 ? (
          <p className="empty" style={{ padding: '0.75rem 1.1rem' }} data-testid="supplier-files-empty">
            {t('cbam.importer.suppliers.none')}
          </p>
        ) : null}
        {items.length > 0 ? <FilesTable items={items} /> : null}
      </div>
    </section>
  );
}

function UploadCard() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: (file: File) => importerApi.uploadSupplierFile(file),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['cbam-importer'] }),
    // The same file may be chosen again after a fix: clear the input either way.
    onSettled: () => {
      if (input.current) input.current.value = '';
    },
  });
  return (
    <div className="card" data-testid="supplier-upload-card">
      <h2>{t('cbam.importer.suppliers.upload')}</h2>
      <p className="muted small">{t('cbam.importer.suppliers.uploadIntro')}</p>
      <label className="field">
        <span>{t('cbam.importer.suppliers.chooseFile')}</span>
        <input
          ref={input}
          type="file"
          accept=".json,.xlsx,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          data-testid="supplier-upload"
          disabled={upload.isPending}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) upload.mutate(file);
          }}
        />
      </label>
      {upload.isPending ? <Loading /> : null}
      <ErrorAlert error={upload.error} title={t('cbam.importer.suppliers.rejected')} />
      {upload.data ? <UploadResult r={upload.data} /> : null}
    </div>
  );
}

function UploadResult({ r }: { r: SupplierImport }) {
  const { t } = useTranslation();
  return (
    <div className="alert alert-success" role="status" data-testid="supplier-result" data-file-id={r.id}>
      <div className="alert-title">
        {t('cbam.importer.suppliers.imported', {
          installation: r.installation,
          version: r.version,
        })}
      </div>
      {r.warnings.length > 0 ? (
        <>
          <div>{t('cbam.importer.suppliers.warnings')}</div>
          <ul data-testid="supplier-warnings">
            {r.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function FilesTable({ items }: { items: SupplierFile[] }) {
  const { t } = useTranslation();
  const { lang, dateTime } = useLocalize();
  const n = (v: string | null) => formatDecimal(v, lang);
  return (
    <div className="table-wrap">
      <table className="table responsive-table" data-testid="supplier-files">
        <thead>
          <tr>
            <th>{t('cbam.importer.columns.supplier')}</th>
            <th>{t('cbam.importer.columns.version')}</th>
            <th>{t('cbam.importer.columns.signature')}</th>
            <th>{t('cbam.importer.columns.goods')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((f) => (
            <tr key={f.id} data-testid="supplier-file" data-file-id={f.id} data-version={f.version}>
              <td data-label={t('cbam.importer.columns.supplier')}>
                <div className="list-name" data-testid="supplier-installation">
                  {f.installation}
                </div>
                <div className="muted small">{[f.operator, f.country].filter(Boolean).join(' · ')}</div>
                {f.reportingPeriod ? (
                  <div className="muted small">
                    {t('cbam.importer.suppliers.period')} {f.reportingPeriod.start} – {f.reportingPeriod.end}
                  </div>
                ) : null}
                <div className="muted small">
                  {t('cbam.importer.suppliers.importedAt')} {dateTime(f.importedAt)}
                  {f.filename ? <span className="mono"> · {f.filename}</span> : null}
                </div>
                {f.warnings && f.warnings.length > 0 ? (
                  <ul className="small" data-testid="supplier-file-warnings">
                    {f.warnings.map((w) => (
                      <li key={w}>{w}</li>
                    ))}
                  </ul>
                ) : null}
              </td>
              <td className="nowrap" data-label={t('cbam.importer.columns.version')}>
                {t('common.versionN', { n: f.version })}
                {f.latest ? (
                  <>
                    {' '}
                    <Badge tone="blue" data-testid="latest-badge">
                      {t('cbam.importer.suppliers.latest')}
                    </Badge>
                  </>
                ) : null}
              </td>
              <td data-label={t('cbam.importer.columns.signature')}>
                {f.signed ? (
                  <Badge tone="green" data-testid="signature-badge" data-signed="true">
                    {t('cbam.importer.suppliers.signed')}
                  </Badge>
                ) : (
                  <Badge tone="amber" data-testid="signature-badge" data-signed="false">
                    {t('cbam.importer.suppliers.unsigned')}
                  </Badge>
                )}
                {f.keyThumbprint ? (
                  <div className="mono small wrap-anywhere" data-testid="key-thumbprint">
                    <span className="muted">{t('cbam.importer.suppliers.key')}</span> {f.keyThumbprint}
                  </div>
                ) : null}
              </td>
              <td data-label={t('cbam.importer.columns.goods')}>
                <table className="table" data-testid="supplier-goods">
                  <thead>
                    <tr>
                      <th>{t('cbam.importer.columns.cn')}</th>
                      <th className="num">{t('cbam.importer.columns.seeDirect')}</th>
                      <th className="num">{t('cbam.importer.columns.seeIndirect')}</th>
                      <th className="num">{t('cbam.importer.columns.seeTotal')}</th>
                      <th>{t('cbam.importer.columns.source')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {f.goods.map((g, i) => (
                      <tr key={`${g.cn}-${i}`} data-testid="supplier-good" data-cn={g.cn}>
                        <td data-label={t('cbam.importer.columns.cn')}>
                          <span className="code">{g.cn}</span>
                        </td>
                        <td
                          className="num"
                          data-label={t('cbam.importer.columns.seeDirect')}
                          data-value={g.seeDirect}
                        >
                          {n(g.seeDirect)}
                        </td>
                        <td
                          className="num"
                          data-label={t('cbam.importer.columns.seeIndirect')}
                          data-value={g.seeIndirect}
                        >
                          {n(g.seeIndirect)}
                        </td>
                        <td
                          className="num"
                          data-label={t('cbam.importer.columns.seeTotal')}
                          data-value={g.seeTotal}
                        >
                          {n(g.seeTotal)}
                        </td>
                        <td data-label={t('cbam.importer.columns.source')}>
                          <SourceBadge source={g.source} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small" style={{ padding: '0.5rem 1.1rem' }}>
        {t('cbam.importer.suppliers.unitNote')}
      </p>
    </div>
  );
}
