import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../../auth';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { interopApi, type Export, type PeerCreated, type PeerInput } from './api';

const STATE_TONE: Record<string, string> = {
  pending: 'amber',
  exported: 'green',
  reverted: 'gray',
  accepted: 'green',
  rejected: 'red',
};

/**
 * Transfers between two GreenTrade registries: this registry's key, its peers (the operator
 * registers them), exports (create, status, reconcile) and the transfers received.
 */
export function InteropPage() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const { user } = useMe();
  const operator = user?.memberships.some((m) => m.role === 'registry_operator') ?? false;
  const holder = user?.memberships.some((m) => m.role === 'admin' || m.role === 'member') ?? false;
  const key = useQuery({
    queryKey: ['interop', 'key'],
    queryFn: ({ signal }) => interopApi.publicKey(signal),
  });
  const peers = useQuery({
    queryKey: ['interop', 'peers'],
    queryFn: ({ signal }) => interopApi.peers(signal),
  });
  const exports = useQuery({
    queryKey: ['interop', 'exports'],
    queryFn: ({ signal }) => interopApi.exports(signal),
  });
  const imports = useQuery({
    queryKey: ['interop', 'imports'],
    queryFn: ({ signal }) => interopApi.imports(signal),
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ['interop'] });
  const [notice, setNotice] = useState<string | null>(null);

  const reconcileOne = useMutation({
    mutationFn: interopApi.reconcileOne,
    onSuccess: (e) => {
      setNotice(
        t('registryInterop.reconciledOne', {
          id: e.id.slice(0, 8),
          state: t(`registryInterop.state.${e.state}`),
        }),
      );
      void refresh();
    },
  });
  const reconcileAll = useMutation({
    mutationFn: interopApi.reconcileAll,
    onSuccess: (r) => {
      setNotice(
        t('registryInterop.reconciledAll', {
          checked: r.checked,
          exported: r.exported,
          reverted: r.reverted,
          pending: r.pending,
        }),
      );
      void refresh();
    },
  });
  const when = (s: string | null) => (s ? new Date(s).toLocaleString(i18n.language) : '–');
  const peerList = peers.data?.peers ?? [];

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('registryInterop.title')}</h1>
        <p className="muted">{t('registryInterop.intro')}</p>
      </header>
      {notice ? (
        <div className="alert" role="status" data-testid="interop-notice">
          {notice}
        </div>
      ) : null}
      <ErrorAlert
        error={
          key.error ??
          peers.error ??
          exports.error ??
          imports.error ??
          reconcileOne.error ??
          reconcileAll.error
        }
      />

      <div className="card" data-testid="interop-self">
        <h2>{t('registryInterop.self')}</h2>
        {key.data ? (
          <dl className="meta">
            <dt>{t('registryInterop.code')}</dt>
            <dd data-testid="interop-code">{key.data.registry}</dd>
            <dt>{t('registryInterop.address')}</dt>
            <dd className="code">{key.data.publicUrl}</dd>
            <dt>{t('registryInterop.publicKey')}</dt>
            <dd className="code" style={{ overflowWrap: 'anywhere' }} data-testid="interop-public-key">
              {key.data.publicKey}
            </dd>
          </dl>
        ) : (
          <Loading />
        )}
        <h3 style={{ marginTop: '1rem' }}>{t('registryInterop.howTo.title')}</h3>
        <ol className="prose" data-testid="interop-howto">
          <li>{t('registryInterop.howTo.step1')}</li>
          <li>{t('registryInterop.howTo.step2')}</li>
          <li>{t('registryInterop.howTo.step3')}</li>
          <li>{t('registryInterop.howTo.step4')}</li>
        </ol>
        <p className="muted small">{t('registryInterop.howTo.cli')}</p>
        <pre className="code small" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          greentrade registry peers add --code SGR --name … --url https://… --public-key … --client-id …
        </pre>
      </div>

      <div className="card table-card">
        <h2>{t('registryInterop.peers')}</h2>
        {peers.isLoading ? <Loading /> : null}
        {peers.data && peerList.length === 0 ? (
          <p className="empty" data-testid="interop-no-peers">
            {t('registryInterop.noPeers')}
          </p>
        ) : null}
        {peerList.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="interop-peers">
              <thead>
                <tr>
                  <th>{t('registryInterop.code')}</th>
                  <th>{t('registryInterop.name')}</th>
                  <th>{t('registryInterop.address')}</th>
                  <th>{t('registryInterop.credentials')}</th>
                </tr>
              </thead>
              <tbody>
                {peerList.map((p) => (
                  <tr key={p.code} data-testid={`interop-peer-${p.code}`}>
                    <td className="code">{p.code}</td>
                    <td>{p.name}</td>
                    <td className="code">{p.baseUrl}</td>
                    <td>
                      <Badge tone={p.credentials ? 'green' : 'amber'}>
                        {t(p.credentials ? 'registryInterop.ready' : 'registryInterop.noCredentials')}
                      </Badge>
                      {operator && !p.credentials ? <CredentialsForm code={p.code} onDone={refresh} /> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {operator ? <PeerForm onDone={refresh} /> : null}
      </div>

      {(holder || operator) && peerList.some((p) => p.credentials) ? (
        <ExportForm
          peers={peerList.filter((p) => p.credentials).map((p) => p.code)}
          onDone={(e) => {
            setNotice(
              t('registryInterop.exportNotice', {
                id: e.id.slice(0, 8),
                quantity: e.quantity,
                state: t(`registryInterop.state.${e.state}`),
              }),
            );
            void refresh();
          }}
        />
      ) : null}

      <div className="card table-card">
        <div className="card-header">
          <h2>{t('registryInterop.exports')}</h2>
          {operator ? (
            <button
              type="button"
              className="btn btn-secondary"
              data-testid="interop-reconcile-all"
              disabled={reconcileAll.isPending}
              onClick={() => reconcileAll.mutate()}
            >
              {t('registryInterop.reconcileAll')}
            </button>
          ) : null}
        </div>
        {exports.data && exports.data.exports.length === 0 ? (
          <p className="empty">{t('registryInterop.noExports')}</p>
        ) : null}
        {(exports.data?.exports.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="interop-exports">
              <thead>
                <tr>
                  <th>{t('registryInterop.transfer')}</th>
                  <th>{t('registryInterop.to')}</th>
                  <th className="num">{t('registryInterop.quantity')}</th>
                  <th>{t('registryInterop.status')}</th>
                  <th>{t('registryInterop.created')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {exports.data!.exports.map((e) => (
                  <tr key={e.id} data-testid="interop-export-row" data-state={e.state}>
                    <td className="code" title={e.id}>
                      {e.id.slice(0, 8)}
                      <div className="muted small">{e.ranges.map((r) => r.serial).join(', ')}</div>
                    </td>
                    <td className="code">
                      {e.peer} / {e.toAccount}
                    </td>
                    <td className="num">{e.quantity}</td>
                    <td>
                      <Badge tone={STATE_TONE[e.state] ?? 'gray'} data-state={e.state}>
                        {t(`registryInterop.state.${e.state}`)}
                      </Badge>
                      {e.reason ? <div className="muted small">{e.reason}</div> : null}
                      {e.state === 'pending' && e.lastError ? (
                        <div className="muted small">
                          {t('registryInterop.attempts', { n: e.attempts })}: {e.lastError}
                        </div>
                      ) : null}
                    </td>
                    <td className="nowrap">{when(e.createdAt)}</td>
                    <td>
                      {e.state === 'pending' ? (
                        <button
                          type="button"
                          className="btn btn-link"
                          disabled={reconcileOne.isPending}
                          onClick={() => reconcileOne.mutate(e.id)}
                        >
                          {t('registryInterop.reconcile')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      <div className="card table-card">
        <h2>{t('registryInterop.imports')}</h2>
        {imports.data && imports.data.imports.length === 0 ? (
          <p className="empty">{t('registryInterop.noImports')}</p>
        ) : null}
        {(imports.data?.imports.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="interop-imports">
              <thead>
                <tr>
                  <th>{t('registryInterop.from')}</th>
                  <th>{t('registryInterop.to')}</th>
                  <th className="num">{t('registryInterop.quantity')}</th>
                  <th>{t('registryInterop.status')}</th>
                  <th>{t('registryInterop.mirrors')}</th>
                  <th>{t('registryInterop.created')}</th>
                </tr>
              </thead>
              <tbody>
                {imports.data!.imports.map((i) => (
                  <tr key={i.id} data-testid="interop-import-row">
                    <td className="code">{i.fromRegistry}</td>
                    <td className="code">{i.toAccount}</td>
                    <td className="num">{i.quantity}</td>
                    <td>
                      <Badge tone={STATE_TONE[i.state] ?? 'gray'}>
                        {t(`registryInterop.state.${i.state}`)}
                      </Badge>
                      {i.reason ? <div className="muted small">{i.reason}</div> : null}
                    </td>
                    <td className="code small">
                      {i.mirrors.map((m) => (
                        <div key={m.serial}>
                          {m.serial} ← {m.originSerial}
                        </div>
                      ))}
                    </td>
                    <td className="nowrap">{when(i.createdAt)}</td>
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

function PeerForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [f, setF] = useState<PeerInput>({
    code: '',
    name: '',
    baseUrl: '',
    publicKey: '',
    clientId: '',
    clientSecret: '',
  });
  const [created, setCreated] = useState<PeerCreated | null>(null);
  const create = useMutation({
    mutationFn: (input: PeerInput) => interopApi.createPeer(input),
    onSuccess: (p) => {
      setCreated(p);
      setF({ code: '', name: '', baseUrl: '', publicKey: '', clientId: '', clientSecret: '' });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { clientId, clientSecret, ...rest } = f;
    create.mutate(clientId && clientSecret ? { ...rest, clientId, clientSecret } : rest);
  };
  const field = (k: keyof PeerInput, label: string, extra: { type?: string; placeholder?: string } = {}) => (
    <label className="field">
      {label}
      <input
        data-testid={`interop-peer-${k}`}
        value={f[k] ?? ''}
        autoComplete="off"
        {...extra}
        onChange={(e) => setF({ ...f, [k]: e.target.value })}
      />
    </label>
  );
  return (
    <form onSubmit={submit} data-testid="interop-peer-form" style={{ marginTop: '1rem' }}>
      <h3>{t('registryInterop.addPeer')}</h3>
      <ErrorAlert error={create.error} />
      {created?.inbound ? (
        <div className="alert alert-success" role="status" data-testid="interop-inbound">
          {t('registryInterop.inboundOnce', { code: created.code })}
          <div className="code small" style={{ overflowWrap: 'anywhere' }}>
            client_id={created.inbound.clientId}
            <br />
            client_secret={created.inbound.clientSecret}
          </div>
        </div>
      ) : null}
      <div className="form-grid">
        {field('code', t('registryInterop.code'), { placeholder: 'SGR' })}
        {field('name', t('registryInterop.name'))}
        {field('baseUrl', t('registryInterop.address'), { placeholder: 'https://registry.example' })}
        {field('publicKey', t('registryInterop.publicKey'))}
        {field('clientId', t('registryInterop.clientId'))}
        {field('clientSecret', t('registryInterop.clientSecret'), { type: 'password' })}
      </div>
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={create.isPending}
          data-testid="interop-peer-submit"
        >
          {t('registryInterop.register')}
        </button>
      </div>
    </form>
  );
}

function CredentialsForm({ code, onDone }: { code: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const save = useMutation({
    mutationFn: () => interopApi.setCredentials(code, { clientId, clientSecret }),
    onSuccess: onDone,
  });
  return (
    <form
      className="inline-fields"
      style={{ marginTop: '0.5rem' }}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <ErrorAlert error={save.error} />
      <input
        aria-label={t('registryInterop.clientId')}
        placeholder={t('registryInterop.clientId')}
        value={clientId}
        onChange={(e) => setClientId(e.target.value)}
      />
      <input
        aria-label={t('registryInterop.clientSecret')}
        placeholder={t('registryInterop.clientSecret')}
        type="password"
        value={clientSecret}
        onChange={(e) => setClientSecret(e.target.value)}
      />
      <button
        type="submit"
        className="btn btn-secondary"
        disabled={save.isPending || !clientId || !clientSecret}
      >
        {t('registryInterop.saveCredentials')}
      </button>
    </form>
  );
}

function ExportForm({ peers, onDone }: { peers: string[]; onDone: (e: Export) => void }) {
  const { t } = useTranslation();
  const accounts = useQuery({
    queryKey: ['interop', 'accounts'],
    queryFn: ({ signal }) => interopApi.accounts(signal),
  });
  const holdingAccounts = (accounts.data?.accounts ?? []).filter((a) => a.kind === 'holding' && !a.closed);
  const [fromAccount, setFromAccount] = useState('');
  const from = fromAccount || holdingAccounts[0]?.number || '';
  const holdings = useQuery({
    queryKey: ['interop', 'holdings', from],
    queryFn: ({ signal }) => interopApi.holdings(from, signal),
    enabled: from !== '',
  });
  const available = (holdings.data?.holdings ?? []).filter((h) => BigInt(h.byState['held'] ?? '0') > 0n);
  const [issuanceId, setIssuanceId] = useState('');
  const issuance = issuanceId || available[0]?.issuanceId || '';
  const [peer, setPeer] = useState('');
  const [toAccount, setToAccount] = useState('');
  const [quantity, setQuantity] = useState('');
  const create = useMutation({
    mutationFn: () =>
      interopApi.createExport({
        peer: peer || peers[0]!,
        toAccount,
        fromAccount: from,
        issuanceId: issuance,
        quantity,
      }),
    onSuccess: (e) => {
      setQuantity('');
      onDone(e);
    },
  });
  return (
    <form
      className="card"
      data-testid="interop-export-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2>{t('registryInterop.newExport')}</h2>
      <p className="muted small">{t('registryInterop.exportHelp')}</p>
      <ErrorAlert error={create.error} />
      <div className="form-grid">
        <label className="field">
          {t('registryInterop.fromAccount')}
          <select
            data-testid="interop-export-from"
            value={from}
            onChange={(e) => setFromAccount(e.target.value)}
          >
            {holdingAccounts.map((a) => (
              <option key={a.number} value={a.number}>
                {a.number} · {a.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('registryInterop.units')}
          <select
            data-testid="interop-export-issuance"
            value={issuance}
            onChange={(e) => setIssuanceId(e.target.value)}
          >
            {available.map((h) => (
              <option key={h.issuanceId} value={h.issuanceId}>
                {h.projectCode} {h.vintage} {h.unitType} ·{' '}
                {t('registryInterop.held', { n: h.byState['held'] })}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('registryInterop.peer')}
          <select
            data-testid="interop-export-peer"
            value={peer || peers[0]}
            onChange={(e) => setPeer(e.target.value)}
          >
            {peers.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('registryInterop.toAccount')}
          <input
            data-testid="interop-export-to"
            value={toAccount}
            placeholder="SGR-100-000001"
            onChange={(e) => setToAccount(e.target.value)}
          />
        </label>
        <label className="field">
          {t('registryInterop.quantity')}
          <input
            data-testid="interop-export-quantity"
            inputMode="numeric"
            value={quantity}
            onChange={(e) => setQuantity(e.target.value.trim())}
          />
        </label>
      </div>
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          data-testid="interop-export-submit"
          disabled={create.isPending || !issuance || !toAccount || !quantity}
        >
          {t('registryInterop.export')}
        </button>
      </div>
    </form>
  );
}
