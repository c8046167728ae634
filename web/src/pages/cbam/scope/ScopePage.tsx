import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { formatCn, scopeApi, splitCodes } from './api';

/** The year whose rules the tables show: this year, but never before the definitive period. */
const RULES_YEAR = Math.max(2026, new Date().getFullYear());

/**
 * Is a good a CBAM good? Enter CN codes (8 digits, or a 4/6-digit heading), see whether each is in
 * Annex I, its sector and why; below, the aggregated goods categories with their routes and the
 * free allocation EU producers still receive year by year.
 */
export function ScopePage() {
  const { t } = useTranslation();
  const [text, setText] = useState('7208 51 20\n3105 60 00\n2716 00 00\n8541 43 00');
  const check = useMutation({ mutationFn: (codes: string[]) => scopeApi.scope(codes) });
  const categories = useQuery({
    queryKey: ['cbam-rules', 'categories', RULES_YEAR],
    queryFn: ({ signal }) => scopeApi.categories(RULES_YEAR, signal),
  });
  const series = useQuery({
    queryKey: ['cbam-rules', 'free-allocation'],
    queryFn: ({ signal }) => scopeApi.freeAllocation(signal),
  });
  const deMinimis = useQuery({
    queryKey: ['cbam-rules', 'de-minimis', RULES_YEAR],
    queryFn: ({ signal }) => scopeApi.deMinimis(RULES_YEAR, signal),
  });
  const results = check.data?.results ?? [];

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('cbam.scope.title')}</h1>
        <p className="muted">{t('cbam.scope.intro')}</p>
      </header>

      <div className="card">
        <h2>{t('cbam.scope.check')}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const codes = splitCodes(text);
            if (codes.length > 0) check.mutate(codes);
          }}
        >
          <label className="field">
            <span>{t('cbam.scope.codesLabel')}</span>
            <textarea
              className="mono"
              rows={5}
              value={text}
              data-testid="cbam-scope-codes"
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          <p className="muted">{t('cbam.scope.codesHint')}</p>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={check.isPending}
            data-testid="cbam-scope-submit"
          >
            {t('cbam.scope.submit')}
          </button>
        </form>
        <ErrorAlert error={check.error} />
        {results.length > 0 ? (
          <div className="table-wrap">
            <table className="table responsive-table" data-testid="cbam-scope-results">
              <thead>
                <tr>
                  <th>{t('cbam.scope.columns.cn')}</th>
                  <th>{t('cbam.scope.columns.inScope')}</th>
                  <th>{t('cbam.scope.columns.sector')}</th>
                  <th>{t('cbam.scope.columns.category')}</th>
                  <th>{t('cbam.scope.columns.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {results.map((r, i) => (
                  <tr key={`${r.cn}-${i}`} data-testid="cbam-scope-row">
                    <td className="mono nowrap">{formatCn(r.cn)}</td>
                    <td>
                      <Badge tone={r.inScope ? 'green' : 'gray'} data-testid="cbam-scope-verdict">
                        {r.inScope ? t('cbam.scope.inScope') : t('cbam.scope.notInScope')}
                      </Badge>
                    </td>
                    <td>{r.sector ? t(`cbam.scope.sectors.${r.sector}`) : '—'}</td>
                    <td className="mono">{r.goodsCategory ?? '—'}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      <div className="card table-card">
        <h2>
          {t('cbam.scope.categoriesTitle')} ({RULES_YEAR})
        </h2>
        <ErrorAlert error={categories.error} />
        {categories.isLoading ? <Loading /> : null}
        {categories.data ? (
          <div className="table-wrap">
            <table className="table responsive-table" data-testid="cbam-categories">
              <thead>
                <tr>
                  <th>{t('cbam.scope.columns.category')}</th>
                  <th>{t('cbam.scope.columns.sector')}</th>
                  <th>{t('cbam.scope.columns.routes')}</th>
                  <th>{t('cbam.scope.columns.indirect')}</th>
                  <th>{t('cbam.scope.columns.cnCodes')}</th>
                </tr>
              </thead>
              <tbody>
                {categories.data.categories.map((c) => (
                  <tr key={c.code}>
                    <td>
                      {c.name} <span className="muted mono">{c.code}</span>
                    </td>
                    <td>{t(`cbam.scope.sectors.${c.sector}`)}</td>
                    <td className="mono">{c.routes.join(', ') || '—'}</td>
                    <td>{c.countsIndirect ? t('cbam.scope.yes') : t('cbam.scope.no')}</td>
                    <td className="mono">{c.cnPrefixes.map(formatCn).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {deMinimis.data?.thresholdTonnes ? (
          <p className="muted" data-testid="cbam-de-minimis">
            {t('cbam.scope.deMinimis', {
              tonnes: deMinimis.data.thresholdTonnes,
              sectors: deMinimis.data.excludedSectors.map((s) => t(`cbam.scope.sectors.${s}`)).join(', '),
            })}
          </p>
        ) : null}
      </div>

      <div className="card table-card">
        <h2>{t('cbam.scope.freeAllocationTitle')}</h2>
        <p className="muted">{t('cbam.scope.freeAllocationIntro')}</p>
        <ErrorAlert error={series.error} />
        {series.isLoading ? <Loading /> : null}
        {series.data ? (
          <div className="table-wrap">
            <table className="table" data-testid="cbam-free-allocation">
              <thead>
                <tr>
                  <th>{t('cbam.scope.columns.year')}</th>
                  <th className="num">{t('cbam.scope.columns.share')}</th>
                </tr>
              </thead>
              <tbody>
                {series.data.series.map((s) => (
                  <tr key={s.year}>
                    <td>{s.year}</td>
                    {/* Shares are exact decimals ("0.975"); shown as per cent without float drift. */}
                    <td className="num mono">{percent(s.share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </section>
  );
}

/** "0.975" → "97.5 %", by moving the decimal point in the string (no binary float). */
function percent(share: string): string {
  const [int = '0', frac = ''] = share.split('.');
  const whole = (int + frac.slice(0, 2).padEnd(2, '0')).replace(/^0+(?=\d)/, '');
  const rest = frac.slice(2).replace(/0+$/, '');
  return `${whole}${rest ? '.' + rest : ''} %`;
}
