import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api';
import { useMe } from '../../auth';
import { Loading } from '../../components/Badge';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLocalize } from '../../format';
import { Hex, KeyValues, Time } from './LedgerParts';

function LatestCheckpoint() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['ledger', 'checkpoint', 'latest'],
    queryFn: ({ signal }) => api.latestCheckpoint(signal),
  });
  const cp = q.data;
  return (
    <section className="card" aria-labelledby="latest-title" data-testid="latest-checkpoint">
      <div className="card-header">
        <h2 id="latest-title">{t('ledger.latest.title')}</h2>
        {cp ? (
          <span className="badge badge-green">{t('ledger.latest.entries', { count: cp.treeSize })}</span>
        ) : null}
      </div>
      <ErrorAlert error={q.error} />
      {q.isLoading ? <Loading /> : null}
      {cp ? (
        <KeyValues
          rows={[
            [
              t('ledger.latest.treeSize'),
              <span className="num" data-testid="latest-size">
                {cp.treeSize}
              </span>,
            ],
            [t('ledger.latest.rootHash'), <Hex value={cp.rootHash} testId="latest-root" />],
            [t('ledger.latest.time'), <Time iso={cp.timestamp} />],
            [t('ledger.latest.publicKey'), <Hex value={cp.publicKey} />],
            [t('ledger.latest.origin'), <span className="wrap-anywhere">{cp.origin}</span>],
          ]}
        />
      ) : null}
    </section>
  );
}

function RecentCheckpoints() {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['ledger', 'checkpoints', 10],
    queryFn: ({ signal }) => api.checkpoints(10, signal),
  });
  const list = q.data?.checkpoints ?? [];
  return (
    <section className="card" aria-labelledby="recent-title">
      <div className="card-header">
        <h2 id="recent-title">{t('ledger.recent.title')}</h2>
      </div>
      <ErrorAlert error={q.error} />
      {q.isLoading ? <Loading /> : null}
      {q.data && list.length === 0 ? <p className="empty">{t('ledger.recent.none')}</p> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table responsive-table" data-testid="recent-checkpoints">
            <thead>
              <tr>
                <th className="num">{t('ledger.recent.treeSize')}</th>
                <th>{t('ledger.recent.time')}</th>
                <th>{t('ledger.recent.rootHash')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((cp) => (
                <tr key={`${cp.treeSize}-${cp.timestamp}`}>
                  <td className="num" data-label={t('ledger.recent.treeSize')}>
                    {cp.treeSize}
                  </td>
                  <td className="nowrap" data-label={t('ledger.recent.time')}>
                    <Time iso={cp.timestamp} />
                  </td>
                  <td data-label={t('ledger.recent.rootHash')}>
                    <Hex value={cp.rootHash} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function OpenEntry() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState(false);
  // Shares the query of the latest-checkpoint card: no second request.
  const latest = useQuery({
    queryKey: ['ledger', 'checkpoint', 'latest'],
    queryFn: ({ signal }) => api.latestCheckpoint(signal),
  });
  const last = latest.data && latest.data.treeSize > 0 ? latest.data.treeSize - 1 : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = value.trim();
    if (!/^\d{1,15}$/.test(text)) return setInvalid(true);
    setInvalid(false);
    void navigate(`/ledger/entries/${Number(text)}`);
  };

  return (
    <section className="card" aria-labelledby="open-title">
      <div className="card-header">
        <h2 id="open-title">{t('ledger.open.title')}</h2>
      </div>
      <form className="open-entry" onSubmit={submit} noValidate>
        <label className="field">
          <span>{t('ledger.open.label')}</span>
          <input
            type="number"
            inputMode="numeric"
            min={0}
            step={1}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={invalid}
            data-testid="entry-number"
          />
        </label>
        <button type="submit" className="btn btn-primary" data-testid="entry-open">
          {t('ledger.open.submit')}
        </button>
      </form>
      {invalid ? <p className="field-error">{t('ledger.open.invalid')}</p> : null}
      {last !== null ? (
        <p className="muted small open-hint">
          {t('ledger.open.hint', { last })}{' '}
          <Link to={`/ledger/entries/${last}`}>{t('ledger.open.latest', { index: last })}</Link>
        </p>
      ) : null}
    </section>
  );
}

interface Picked {
  name: string;
  size: number;
  /** Lower-case hex, once computed. */
  sha256?: string;
  error?: boolean;
}

function DocumentCheck() {
  const { t } = useTranslation();
  const loc = useLocalize();
  const { user } = useMe();
  const client = useQueryClient();
  const [picked, setPicked] = useState<Picked | null>(null);
  // Only the last file chosen counts, however long an earlier one takes to hash.
  const pick = useRef(0);
  const sha256 = picked?.sha256;

  const anchors = useQuery({
    queryKey: ['ledger', 'anchors', sha256],
    queryFn: ({ signal }) => api.anchors(sha256!, signal),
    enabled: Boolean(sha256),
  });
  const anchor = useMutation({
    mutationFn: (hash: string) => api.notarize(hash),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['ledger'] }),
  });

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    const token = ++pick.current;
    anchor.reset();
    if (!file) return setPicked(null);
    setPicked({ name: file.name, size: file.size });
    try {
      const { sha256Hex } = await import('./verify');
      const hash = await sha256Hex(await file.arrayBuffer());
      if (token === pick.current) setPicked({ name: file.name, size: file.size, sha256: hash });
    } catch {
      if (token === pick.current) setPicked({ name: file.name, size: file.size, error: true });
    }
  };

  const list = anchors.data?.anchors ?? [];
  const anchored = list.length > 0;
  return (
    <section className="card" aria-labelledby="doc-title" data-testid="document-check">
      <div className="card-header">
        <h2 id="doc-title">{t('ledger.doc.title')}</h2>
      </div>
      <p className="muted">{t('ledger.doc.intro')}</p>
      <p className="privacy-note" data-testid="doc-privacy">
        {t('ledger.doc.privacy')}
      </p>
      <label className="field">
        <span>{t('ledger.doc.file')}</span>
        <input type="file" onChange={(e) => void onFile(e)} data-testid="doc-file" />
      </label>

      {picked ? (
        <div className="doc-result">
          <KeyValues
            rows={[
              [t('ledger.doc.name'), <span className="wrap-anywhere">{picked.name}</span>],
              [t('ledger.doc.size'), t('ledger.doc.bytes', { count: picked.size })],
              [
                t('ledger.doc.sha256'),
                picked.sha256 ? (
                  <Hex value={picked.sha256} testId="doc-sha256" />
                ) : picked.error ? (
                  '—'
                ) : (
                  <span className="muted">{t('ledger.doc.hashing')}</span>
                ),
              ],
            ]}
          />
          {picked.error ? (
            <div className="alert alert-error" role="alert">
              {t('ledger.doc.readFailed')}
            </div>
          ) : null}
          <ErrorAlert error={anchors.error} />
          {sha256 && anchors.isLoading ? <p className="muted loading">{t('ledger.doc.checking')}</p> : null}
          {sha256 && anchors.data ? (
            <div
              className={`alert ${anchored ? 'alert-success' : 'alert-neutral'}`}
              role="status"
              data-testid="doc-result"
              data-anchored={String(anchored)}
            >
              <div className="alert-title">
                {anchored ? t('ledger.doc.anchored', { count: list.length }) : t('ledger.doc.notAnchored')}
              </div>
              {anchored ? (
                <ul className="anchor-list">
                  {list.map((a) => (
                    <li key={a.index}>
                      <Link to={`/ledger/entries/${a.index}`} data-testid="doc-anchor-entry">
                        {t('ledger.doc.anchoredAt', { index: a.index, time: loc.dateTime(a.time) })}
                      </Link>
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
          {sha256 && anchors.data && !anchored ? (
            user ? (
              <div className="anchor-action">
                <button
                  type="button"
                  className="btn btn-primary"
                  onClick={() => anchor.mutate(sha256)}
                  disabled={anchor.isPending}
                  data-testid="doc-anchor"
                >
                  {anchor.isPending ? t('ledger.doc.anchoring') : t('ledger.doc.anchor')}
                </button>
                <span className="muted small">{t('ledger.doc.anchorHint')}</span>
              </div>
            ) : user === null ? (
              <p className="small">
                <Link to="/login" state={{ from: '/ledger' }} data-testid="doc-sign-in">
                  {t('ledger.doc.signInToAnchor')}
                </Link>
              </p>
            ) : null
          ) : null}
          <ErrorAlert error={anchor.error} />
          {anchor.data && anchor.variables === sha256 ? (
            <div className="alert alert-success" role="status" data-testid="doc-anchored-now">
              {t('ledger.doc.anchoredNow', { index: anchor.data.index })}{' '}
              <Link to={`/ledger/entries/${anchor.data.index}`}>#{anchor.data.index}</Link>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

export function LedgerPage() {
  const { t } = useTranslation();
  return (
    <section className="page ledger-page" data-testid="ledger-overview">
      <header className="page-header">
        <h1>{t('ledger.title')}</h1>
        <p className="muted intro">{t('ledger.intro')}</p>
      </header>
      <LatestCheckpoint />
      <div className="ledger-grid">
        <OpenEntry />
        <DocumentCheck />
      </div>
      <RecentCheckpoints />
    </section>
  );
}
