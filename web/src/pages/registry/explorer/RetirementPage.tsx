import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../../api';
import { Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Hex, KeyValues, Time } from '../../ledger/LedgerParts';
import type { Verification } from '../../ledger/verify';
import { explorerApi, statementUrl, type ExplorerRetirementDetail } from './api';
import { EntryLink, Num, Table } from './Parts';

/** Checks, in this browser, that the retirement's ledger entry is in the signed log. */
function VerifyProof({ r }: { r: ExplorerRetirementDetail }) {
  const { t } = useTranslation();
  const [result, setResult] = useState<Verification | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const verify = async () => {
    if (!r.ledger || !r.proof) return;
    setBusy(true);
    setError(null);
    try {
      const [keys, entry] = await Promise.all([api.ledgerKeys(), api.ledgerEntry(r.ledger.index)]);
      const trusted = keys.trustedKeys.length > 0 ? keys.trustedKeys : [keys.publicKey];
      // The ledger's own verification library, loaded on first use.
      const { verifyEntry } = await import('../../ledger/verify');
      const v = verifyEntry(r.ledger.index, entry, r.proof, trusted);
      // The proof must be about the leaf hash this record kept.
      setResult(
        v.ok && r.proof.leafHash !== r.ledger.leafHash
          ? { ok: false, reasonKey: 'registryExplorer.verify.otherLeaf', values: {} }
          : v,
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card verify-card" data-testid="verify-card">
      <div className="card-header">
        <h2>{t('registryExplorer.verify.title')}</h2>
      </div>
      <p className="muted">{t('registryExplorer.verify.intro')}</p>
      {r.proof ? (
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void verify()}
            disabled={busy}
            data-testid="verify-button"
          >
            {t('registryExplorer.verify.button')}
          </button>
        </div>
      ) : (
        <p className="muted">{t('registryExplorer.verify.noProof')}</p>
      )}
      <ErrorAlert error={error} />
      {result ? (
        <div
          className={`alert ${result.ok ? 'alert-success' : 'alert-error'} verify-result`}
          role="status"
          data-testid="verify-result"
          data-ok={String(result.ok)}
        >
          <span className="verify-mark" aria-hidden="true">
            {result.ok ? '✓' : '✗'}
          </span>{' '}
          <span>
            {result.ok
              ? t('registryExplorer.verify.ok', { index: result.index, treeSize: result.treeSize })
              : t('registryExplorer.verify.fail', {
                  reason: 'reasonKey' in result ? t(result.reasonKey, result.values) : result.reason,
                })}
          </span>
        </div>
      ) : null}
    </section>
  );
}

export function RetirementPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const q = useQuery({
    queryKey: ['explorer', 'retirement', id],
    queryFn: ({ signal }) => explorerApi.retirement(id, signal),
  });
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data) return <Loading />;
  const r = q.data;
  const cp = r.proof?.checkpoint;
  return (
    <div data-testid="explorer-retirement">
      <nav className="breadcrumb" aria-label={t('common.breadcrumb')}>
        <ol>
          <li>
            <Link to="/registry/explorer/retirements">{t('registryExplorer.tabs.retirements')}</Link>
          </li>
          <li aria-current="page" className="wrap-anywhere">
            {r.id}
          </li>
        </ol>
      </nav>
      <section className="card">
        <div className="card-header">
          <h2 data-testid="retirement-title">
            {t(`registryExplorer.kinds.${r.kind}`)}: <Num n={r.quantity} />
          </h2>
        </div>
        <KeyValues
          testId="retirement-fields"
          rows={[
            [t('registryExplorer.beneficiary'), r.beneficiary ?? '–'],
            [t('registryExplorer.purpose'), r.purpose ?? '–'],
            [
              t('registryExplorer.claimPeriod'),
              r.claimPeriod ? `${r.claimPeriod.from ?? '…'} – ${r.claimPeriod.to ?? '…'}` : '–',
            ],
            [t('registryExplorer.quantity'), <Num n={r.quantity} />],
            [t('registryExplorer.date'), <Time iso={r.createdAt} />],
            [t('registryExplorer.registry'), <span className="code">{r.registry}</span>],
            [t('registryExplorer.ledgerEntry'), <EntryLink ledger={r.ledger} />],
            [
              t('registryExplorer.leafHash'),
              r.ledger ? <Hex value={r.ledger.leafHash} testId="leaf-hash" /> : '–',
            ],
            ...(cp
              ? ([
                  [
                    t('registryExplorer.checkpoint'),
                    t('registryExplorer.checkpointText', { treeSize: cp.treeSize, origin: cp.origin }),
                  ],
                  [t('registryExplorer.rootHash'), <Hex value={cp.rootHash} />],
                ] as [string, ReactNode][])
              : []),
          ]}
        />
        {r.statementPath ? (
          <div className="actions">
            <a
              className="btn btn-secondary"
              href={statementUrl(r.id)}
              data-testid="statement-link"
              target="_blank"
              rel="noreferrer"
            >
              {t('registryExplorer.downloadStatement')}
            </a>
          </div>
        ) : null}
      </section>
      <VerifyProof r={r} />
      <section className="card table-card">
        <div className="card-header">
          <h2>{t('registryExplorer.serials')}</h2>
        </div>
        <Table
          testId="retirement-ranges"
          empty={t('registryExplorer.empty')}
          head={[
            t('registryExplorer.serial'),
            t('registryExplorer.project'),
            t('registryExplorer.vintage'),
            t('registryExplorer.quantity'),
          ]}
          rows={r.ranges.map((g) => ({
            key: g.start,
            cells: [
              <span className="code wrap-anywhere">{g.serial}</span>,
              <Link to={`/registry/explorer/projects/${encodeURIComponent(g.projectCode)}`}>
                {g.projectCode} {g.projectName}
              </Link>,
              `${g.vintage} ${g.unitType}`,
              <Num n={g.quantity} />,
            ],
          }))}
        />
      </section>
    </div>
  );
}
