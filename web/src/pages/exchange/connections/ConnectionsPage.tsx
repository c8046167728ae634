import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { connectionsApi, type Connection, type NewConnection } from './api';

const EMPTY: NewConnection = { name: '', baseUrl: '', clientId: '', clientSecret: '' };
const TONE = { ok: 'green', failing: 'red', new: 'gray' } as const;

/** Connections to suppliers' PACT hosts: their status, pulling, the pulled footprints, requests, updates. */
export function ConnectionsPage() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const connections = useQuery({
    queryKey: ['pact-connections'],
    queryFn: ({ signal }) => connectionsApi.list(signal),
  });
  const pulled = useQuery({
    queryKey: ['pact-pulled'],
    queryFn: ({ signal }) => connectionsApi.pulled(signal),
  });
  const updates = useQuery({
    queryKey: ['pact-updates'],
    queryFn: ({ signal }) => connectionsApi.updates(signal),
  });
  const refresh = () => qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('pact-') });
  const [form, setForm] = useState<NewConnection>(EMPTY);
  const [notice, setNotice] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: connectionsApi.create,
    onSuccess: () => {
      setForm(EMPTY);
      void refresh();
    },
  });
  const pull = useMutation({
    mutationFn: connectionsApi.pull,
    onSuccess: (r) => {
      setNotice(
        r.ok
          ? t('pactClient.pulledCount', { count: r.pulled, rejected: r.rejected.length })
          : t('pactClient.pullFailed', { error: r.error ?? '' }),
      );
      void refresh();
    },
  });
  const ask = useMutation({
    mutationFn: (v: { id: string; productId: string }) => connectionsApi.request(v.id, [v.productId]),
    onSuccess: (r) =>
      setNotice(
        r.status === 'sent'
          ? t('pactClient.requestSent')
          : t('pactClient.requestFailed', { error: r.error ?? '' }),
      ),
  });
  const apply = useMutation({
    mutationFn: (v: { productId: string; materialIndex: number }) =>
      connectionsApi.apply(v.productId, v.materialIndex),
    onSuccess: (r) => {
      setNotice(t('pactClient.applied', { total: r.total }));
      void refresh();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(form);
  };
  const when = (s: string | null) => (s ? new Date(s).toLocaleString(i18n.language) : '–');
  const list = connections.data?.connections ?? [];

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('pactClient.title')}</h1>
        <p className="muted">{t('pactClient.intro')}</p>
      </header>
      {notice ? (
        <div className="alert" role="status" data-testid="pact-notice">
          {notice}
        </div>
      ) : null}
      <ErrorAlert error={connections.error ?? create.error ?? pull.error ?? ask.error ?? apply.error} />

      <div className="card">
        <h2>{t('pactClient.connections')}</h2>
        {connections.isLoading ? <Loading /> : null}
        {connections.data && list.length === 0 ? (
          <p className="empty">{t('pactClient.noConnections')}</p>
        ) : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="pact-connections">
              <thead>
                <tr>
                  <th>{t('pactClient.columns.name')}</th>
                  <th>{t('pactClient.columns.status')}</th>
                  <th>{t('pactClient.columns.lastPulled')}</th>
                  <th className="num">{t('pactClient.columns.footprints')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((c) => (
                  <ConnectionRow
                    key={c.id}
                    c={c}
                    when={when}
                    pulling={pull.isPending && pull.variables === c.id}
                    onPull={() => pull.mutate(c.id)}
                    onRequest={(productId) => ask.mutate({ id: c.id, productId })}
                  />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      <form className="card" onSubmit={submit} data-testid="pact-connect-form">
        <h2>{t('pactClient.connect')}</h2>
        {(['name', 'baseUrl', 'clientId', 'clientSecret'] as const).map((k) => (
          <label className="field" key={k}>
            <span>{t(`pactClient.fields.${k}`)}</span>
            <input
              required
              type={k === 'clientSecret' ? 'password' : k === 'baseUrl' ? 'url' : 'text'}
              autoComplete={k === 'clientSecret' ? 'new-password' : 'off'}
              value={form[k]}
              onChange={(e) => setForm({ ...form, [k]: e.target.value })}
              data-testid={`pact-${k}`}
            />
          </label>
        ))}
        <p className="muted small">{t('pactClient.secretNote')}</p>
        <div className="form-actions">
          <button
            className="btn btn-primary"
            type="submit"
            disabled={create.isPending}
            data-testid="pact-connect"
          >
            {t('pactClient.connectButton')}
          </button>
        </div>
      </form>

      {(updates.data?.updates.length ?? 0) > 0 ? (
        <div className="card" data-testid="pact-updates">
          <h2>{t('pactClient.updates')}</h2>
          <ul>
            {updates.data!.updates.map((u) => (
              <li key={`${u.productId}-${u.materialIndex}`}>
                <Link to={`/footprint/products/${u.productId}`}>{u.productName}</Link> · {u.materialName}:{' '}
                {t('pactClient.newer', { pcf: u.newer.pcfExcludingBiogenic, unit: u.newer.declaredUnit })}{' '}
                <button
                  className="btn btn-secondary"
                  type="button"
                  disabled={apply.isPending}
                  onClick={() => apply.mutate({ productId: u.productId, materialIndex: u.materialIndex })}
                >
                  {t('pactClient.apply')}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <div className="card table-card">
        <h2>{t('pactClient.pulled')}</h2>
        {pulled.data && pulled.data.footprints.length === 0 ? (
          <p className="empty">{t('pactClient.noPulled')}</p>
        ) : null}
        {(pulled.data?.footprints.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="pact-pulled">
              <thead>
                <tr>
                  <th>{t('pactClient.columns.product')}</th>
                  <th>{t('pactClient.columns.supplier')}</th>
                  <th className="num">{t('pactClient.columns.pcf')}</th>
                  <th>{t('pactClient.columns.version')}</th>
                  <th>{t('pactClient.columns.status')}</th>
                </tr>
              </thead>
              <tbody>
                {pulled.data!.footprints.map((f) => (
                  <tr key={`${f.connectionId}-${f.pfId}`}>
                    <td>
                      {f.productName}
                      <div className="muted small">{f.productIds.join(', ')}</div>
                    </td>
                    <td>
                      {f.companyName}
                      <div className="muted small">{f.connectionName}</div>
                    </td>
                    <td className="num">
                      {f.pcfExcludingBiogenic}
                      <div className="muted small">
                        kg CO2e / {f.declaredAmount} {f.declaredUnit}
                      </div>
                    </td>
                    <td className="nowrap">
                      {f.version !== null ? `v${f.version}` : when(f.created)}
                      {f.precedingPfIds.length > 0 ? (
                        <div className="muted small">
                          {t('pactClient.supersedes', { count: f.precedingPfIds.length })}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <Badge tone={f.status === 'Active' ? 'green' : 'gray'}>
                        {t(`pactClient.pfStatus.${f.status}`, { defaultValue: f.status })}
                      </Badge>
                    </td>
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

function ConnectionRow({
  c,
  when,
  pulling,
  onPull,
  onRequest,
}: {
  c: Connection;
  when: (s: string | null) => string;
  pulling: boolean;
  onPull: () => void;
  onRequest: (productId: string) => void;
}) {
  const { t } = useTranslation();
  const [productId, setProductId] = useState('');
  return (
    <tr data-testid="pact-connection" data-status={c.status}>
      <td>
        {c.name}
        <div className="muted small">{c.baseUrl}</div>
      </td>
      <td>
        <Badge tone={TONE[c.status]}>{t(`pactClient.status.${c.status}`)}</Badge>
        {c.status === 'failing' ? (
          <div className="muted small" data-testid="pact-last-error">
            {t('pactClient.failingSince', { since: when(c.failingSince) })}: {c.lastError}
          </div>
        ) : null}
      </td>
      <td className="nowrap">{when(c.lastPulledAt)}</td>
      <td className="num">{c.footprints}</td>
      <td>
        <button
          className="btn btn-secondary"
          type="button"
          disabled={pulling}
          onClick={onPull}
          data-testid="pact-pull"
        >
          {pulling ? t('pactClient.pulling') : t('pactClient.pull')}
        </button>
        <form
          className="field-inline"
          onSubmit={(e) => {
            e.preventDefault();
            onRequest(productId.trim());
            setProductId('');
          }}
        >
          <input
            required
            pattern="urn:\S+"
            placeholder="urn:…"
            aria-label={t('pactClient.fields.productId')}
            value={productId}
            onChange={(e) => setProductId(e.target.value)}
          />
          <button className="btn btn-link" type="submit">
            {t('pactClient.request')}
          </button>
        </form>
      </td>
    </tr>
  );
}
