import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, isApiError, type LedgerEntry, type LedgerProof } from '../../api';
import { Loading } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Block, Hex, KeyValues, Time } from './LedgerParts';
import type { Verification } from './verify';

const KEYS_URL = '/api/v1/ledger/public-key';

function NotFound({ index }: { index: string }) {
  const { t } = useTranslation();
  return (
    <section className="page">
      <div className="alert alert-error" role="alert" data-testid="entry-not-found">
        <div className="alert-title">{t('ledgerEntry.notFound.title')}</div>
        <div className="alert-message">{t('ledgerEntry.notFound.text', { index })}</div>
      </div>
      <Link to="/ledger" className="btn btn-secondary">
        {t('ledgerEntry.notFound.back')}
      </Link>
    </section>
  );
}

function VerifyResult({ result }: { result: Verification }) {
  const { t } = useTranslation();
  const text = result.ok
    ? t('ledgerEntry.verify.ok', { index: result.index, treeSize: result.treeSize })
    : t('ledgerEntry.verify.fail', {
        reason: 'reasonKey' in result ? t(result.reasonKey, result.values) : result.reason,
      });
  return (
    <div
      className={`alert ${result.ok ? 'alert-success' : 'alert-error'} verify-result`}
      role="status"
      data-testid="verify-result"
      data-ok={String(result.ok)}
    >
      <span className="verify-mark" aria-hidden="true">
        {result.ok ? '✓' : '✗'}
      </span>
      <span>{text}</span>
    </div>
  );
}

function VerifyCard({ index, entry, proof }: { index: number; entry: LedgerEntry; proof: LedgerProof }) {
  const { t } = useTranslation();
  const keys = useQuery({
    queryKey: ['ledger', 'keys'],
    queryFn: ({ signal }) => api.ledgerKeys(signal),
    staleTime: Infinity,
  });
  // A result belongs to the data it was computed from: a refetch hides it until verified again.
  const [result, setResult] = useState<{ entry: LedgerEntry; proof: LedgerProof; v: Verification } | null>(
    null,
  );
  const current = result && result.entry === entry && result.proof === proof ? result.v : null;

  const verify = async () => {
    if (!keys.data) return;
    // The current key first, then earlier keys still trusted for older checkpoints.
    const trusted = keys.data.trustedKeys.length > 0 ? keys.data.trustedKeys : [keys.data.publicKey];
    // The library (Ed25519, SHA-256, RFC 8785) is loaded on first use, not with every page.
    const { verifyEntry } = await import('./verify');
    setResult({ entry, proof, v: verifyEntry(index, entry, proof, trusted) });
  };

  return (
    <section className="card verify-card" aria-labelledby="verify-title" data-testid="verify-card">
      <div className="card-header">
        <h2 id="verify-title">{t('ledgerEntry.verify.title')}</h2>
      </div>
      <p className="muted">{t('ledgerEntry.verify.intro')}</p>
      <ErrorAlert error={keys.error} />
      {keys.data ? (
        <p className="small verify-key">
          {t('ledgerEntry.verify.key', { url: KEYS_URL })}{' '}
          <Hex value={keys.data.publicKey} testId="ledger-key" />
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void verify()}
          disabled={!keys.data}
          data-testid="verify-button"
        >
          {t('ledgerEntry.verify.button')}
        </button>
      </div>
      {current ? <VerifyResult result={current} /> : null}
    </section>
  );
}

function EntryView({ index }: { index: number }) {
  const { t } = useTranslation();
  const entryQ = useQuery({
    queryKey: ['ledger', 'entry', index],
    queryFn: ({ signal }) => api.ledgerEntry(index, signal),
  });
  const proofQ = useQuery({
    queryKey: ['ledger', 'proof', index],
    queryFn: ({ signal }) => api.ledgerProof(index, signal),
  });
  const entry = entryQ.data;
  const proof = proofQ.data;

  const error = entryQ.error ?? proofQ.error;
  if (isApiError(error) && error.status === 404) return <NotFound index={String(index)} />;
  if (error) return <ErrorAlert error={error} />;
  if (!entry || !proof) return <Loading />;

  const checkpoint = proof.checkpoint;
  return (
    <section className="page ledger-page" data-testid="ledger-entry">
      <nav className="breadcrumb" aria-label={t('common.breadcrumb')}>
        <ol>
          <li>
            <Link to="/ledger">{t('nav.ledger.title')}</Link>
          </li>
          <li aria-current="page">#{index}</li>
        </ol>
      </nav>
      <header className="page-header">
        <div className="title-row">
          <h1 data-testid="entry-title">{t('ledgerEntry.title', { index })}</h1>
          <span className="badge badge-outline code">{entry.type}</span>
          <span className={`badge ${entry.public ? 'badge-green' : 'badge-gray'}`}>
            {t(`ledgerEntry.visibility.${entry.public ? 'public' : 'private'}`)}
          </span>
        </div>
      </header>

      <VerifyCard index={index} entry={entry} proof={proof} />

      <section className="card" aria-labelledby="entry-card-title">
        <div className="card-header">
          <h2 id="entry-card-title">{t('ledgerEntry.entry')}</h2>
        </div>
        <KeyValues
          testId="entry-fields"
          rows={[
            [t('ledgerEntry.type'), <span className="code">{entry.type}</span>],
            [t('ledgerEntry.subject'), <span className="wrap-anywhere">{entry.subject}</span>],
            [t('ledgerEntry.time'), <Time iso={entry.time} />],
            [
              t('ledgerEntry.visibilityLabel'),
              t(`ledgerEntry.visibility.${entry.public ? 'public' : 'private'}`),
            ],
            [t('ledgerEntry.leafHash'), <Hex value={entry.leafHash} testId="leaf-hash" />],
          ]}
        />
        <h3 className="block-title">{t('ledgerEntry.body')}</h3>
        <Block testId="entry-body">{JSON.stringify(entry.body ?? null, null, 2)}</Block>
        <h3 className="block-title">{t('ledgerEntry.canonical')}</h3>
        <Block testId="entry-canonical">{entry.entry}</Block>
      </section>

      <section className="card" aria-labelledby="proof-title" data-testid="proof">
        <div className="card-header">
          <h2 id="proof-title">{t('ledgerEntry.proof.title')}</h2>
        </div>
        <p className="muted small">{t('ledgerEntry.proof.intro')}</p>
        <KeyValues
          rows={[
            [t('ledgerEntry.proof.treeSize'), <span className="num">{proof.treeSize}</span>],
            [t('ledgerEntry.proof.rootHash'), <Hex value={proof.rootHash} testId="root-hash" />],
            [
              t('ledgerEntry.proof.path'),
              proof.path.length === 0 ? (
                <span className="muted">{t('ledgerEntry.proof.pathEmpty')}</span>
              ) : (
                <ol className="hash-list" data-testid="audit-path">
                  {proof.path.map((h, i) => (
                    <li key={`${i}-${h}`}>
                      <Hex value={h} />
                    </li>
                  ))}
                </ol>
              ),
            ],
          ]}
        />
      </section>

      <section className="card" aria-labelledby="checkpoint-title" data-testid="checkpoint">
        <div className="card-header">
          <h2 id="checkpoint-title">{t('ledgerEntry.checkpoint.title')}</h2>
        </div>
        {checkpoint ? (
          <>
            <p className="muted small">{t('ledgerEntry.checkpoint.intro')}</p>
            <KeyValues
              rows={[
                [t('ledger.latest.origin'), <span className="wrap-anywhere">{checkpoint.origin}</span>],
                [t('ledger.latest.treeSize'), <span className="num">{checkpoint.treeSize}</span>],
                [t('ledger.latest.rootHash'), <Hex value={checkpoint.rootHash} />],
                [t('ledger.latest.time'), <Time iso={checkpoint.timestamp} />],
                [t('ledger.latest.publicKey'), <Hex value={checkpoint.publicKey} />],
                [t('ledgerEntry.checkpoint.signature'), <Hex value={checkpoint.signature} />],
              ]}
            />
            <h3 className="block-title">{t('ledgerEntry.checkpoint.note')}</h3>
            <Block testId="checkpoint-note">{checkpoint.note}</Block>
          </>
        ) : (
          <p className="empty">{t('ledgerEntry.checkpoint.none')}</p>
        )}
      </section>
    </section>
  );
}

export function EntryPage() {
  const { index = '' } = useParams();
  const n = /^\d{1,15}$/.test(index) ? Number(index) : NaN;
  if (!Number.isSafeInteger(n)) return <NotFound index={index} />;
  // A fresh view (and verification result) per entry.
  return <EntryView key={n} index={n} />;
}
