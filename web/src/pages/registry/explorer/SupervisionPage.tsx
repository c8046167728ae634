import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../../auth';
import { Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Time } from '../../ledger/LedgerParts';
import { explorerApi, exportUrl } from './api';
import { EntryLink, Num, Table } from './Parts';

const EXPORTS = ['accounts', 'holdings', 'transactions', 'projects'] as const;
const balances = (b: Record<string, string>) =>
  Object.entries(b)
    .map(([state, n]) => `${state} ${n.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`)
    .join(' · ') || '–';

/** The regulator's (and the registry operator's) read-only view: everything, with exports. */
export function SupervisionPage() {
  const { t } = useTranslation();
  const { user } = useMe();
  const allowed = user?.memberships.some((m) => m.role === 'regulator' || m.role === 'registry_operator');
  const overview = useQuery({
    queryKey: ['explorer', 'supervision', 'overview'],
    queryFn: ({ signal }) => explorerApi.overview(signal),
    enabled: allowed === true,
  });
  const invariants = useQuery({
    queryKey: ['explorer', 'supervision', 'invariants'],
    queryFn: ({ signal }) => explorerApi.invariants(signal),
    enabled: allowed === true,
  });
  if (user === undefined) return <Loading />;
  if (!allowed)
    return (
      <div className="alert alert-error" role="alert" data-testid="supervision-denied">
        {t('registryExplorer.supervision.denied')}
      </div>
    );
  const o = overview.data;
  return (
    <div data-testid="supervision">
      <section className="card">
        <div className="card-header">
          <h2>{t('registryExplorer.supervision.exports')}</h2>
        </div>
        <p className="muted small">{t('registryExplorer.supervision.readOnly')}</p>
        <div className="filters">
          {EXPORTS.map((what) =>
            (['csv', 'xlsx'] as const).map((format) => (
              <a
                key={`${what}-${format}`}
                className="btn btn-secondary"
                href={exportUrl(what, format)}
                download
                data-testid={`export-${what}-${format}`}
              >
                {t(`registryExplorer.supervision.what.${what}`)} ({format.toUpperCase()})
              </a>
            )),
          )}
        </div>
      </section>
      <section className="card" data-testid="invariants">
        <div className="card-header">
          <h2>{t('registryExplorer.supervision.invariants')}</h2>
        </div>
        <ErrorAlert error={invariants.error} />
        {invariants.data ? (
          <>
            <div
              className={`alert ${invariants.data.ok ? 'alert-success' : 'alert-error'}`}
              role="status"
              data-testid="invariants-result"
              data-ok={String(invariants.data.ok)}
            >
              {invariants.data.ok
                ? t('registryExplorer.supervision.invariantsOk', invariants.data.counts)
                : t('registryExplorer.supervision.invariantsBad')}
            </div>
            <ul className="small">
              {invariants.data.checks.map((c) => (
                <li key={c.name}>
                  {c.ok ? '✓' : '✗'} {c.description}
                  {c.ok ? '' : ` (${c.violations}): ${c.examples.slice(0, 3).join('; ')}`}
                </li>
              ))}
            </ul>
          </>
        ) : invariants.error ? null : (
          <Loading />
        )}
      </section>
      <ErrorAlert error={overview.error} />
      {o ? (
        <>
          <section className="card table-card">
            <div className="card-header">
              <h2>{t('registryExplorer.supervision.orgs')}</h2>
            </div>
            <p className="small">
              {t('registryExplorer.issued')}: <Num n={o.totals.issued} /> · {balances(o.totals.byState)}
            </p>
            <Table
              testId="supervision-orgs"
              empty={t('registryExplorer.empty')}
              head={[
                t('registryExplorer.supervision.org'),
                t('registryExplorer.supervision.accounts'),
                t('registryExplorer.supervision.balances'),
              ]}
              rows={o.orgs.map((g) => ({
                key: g.org.id,
                cells: [g.org.name, <Num n={g.accounts} />, balances(g.balances)],
              }))}
            />
          </section>
          <section className="card table-card">
            <div className="card-header">
              <h2>{t('registryExplorer.supervision.accounts')}</h2>
            </div>
            <Table
              testId="supervision-accounts"
              empty={t('registryExplorer.empty')}
              head={[
                t('registryExplorer.supervision.account'),
                t('registryExplorer.supervision.org'),
                t('registryExplorer.kind'),
                t('registryExplorer.supervision.balances'),
              ]}
              rows={o.accounts.map((a) => ({
                key: a.id,
                cells: [
                  <span className="code">{a.number}</span>,
                  a.org.name,
                  `${a.kind}${a.national ? ' (national)' : ''}`,
                  balances(a.balances),
                ],
              }))}
            />
          </section>
          <section className="card table-card">
            <div className="card-header">
              <h2>{t('registryExplorer.supervision.transactions', { count: o.transactionsTotal })}</h2>
            </div>
            <Table
              testId="supervision-transactions"
              empty={t('registryExplorer.empty')}
              head={[
                t('registryExplorer.date'),
                t('registryExplorer.kind'),
                t('registryExplorer.quantity'),
                t('registryExplorer.supervision.from'),
                t('registryExplorer.supervision.to'),
                t('registryExplorer.ledgerEntry'),
              ]}
              rows={o.transactions.map((x) => ({
                key: x.id,
                cells: [
                  <Time iso={x.createdAt} />,
                  x.kind,
                  <Num n={x.quantity} />,
                  <span className="code">{x.from ?? '–'}</span>,
                  <span className="code">{x.to ?? '–'}</span>,
                  <EntryLink ledger={x.ledger} />,
                ],
              }))}
            />
          </section>
        </>
      ) : overview.error ? null : (
        <Loading />
      )}
    </div>
  );
}
