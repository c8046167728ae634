import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { publishedApi, type Publishable, type PublishOptions, type Recipient } from './api';

/** Units that are not a mass and need "kg per declared unit" for PACT (productMassPerDeclaredUnit). */
const NEEDS_MASS = /\b(item|items|piece|pcs|unit|l|liter|litre|m3|m2)$/i;

/**
 * The PACT host, owner side: the organisation's recorded footprints with "publish to…", the
 * publications with status and version chain (deprecate), the data-sharing agreements, the
 * requests received, and who pulled what.
 */
export function PublishedPage() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const publishable = useQuery({
    queryKey: ['pact-host', 'publishable'],
    queryFn: ({ signal }) => publishedApi.publishable(signal),
  });
  const publications = useQuery({
    queryKey: ['pact-host', 'publications'],
    queryFn: ({ signal }) => publishedApi.publications(signal),
  });
  const recipients = useQuery({
    queryKey: ['pact-host', 'recipients'],
    queryFn: ({ signal }) => publishedApi.recipients(signal),
  });
  const agreements = useQuery({
    queryKey: ['pact-host', 'agreements'],
    queryFn: ({ signal }) => publishedApi.agreements(signal),
  });
  const access = useQuery({
    queryKey: ['pact-host', 'access'],
    queryFn: ({ signal }) => publishedApi.accessLog(signal),
  });
  const requests = useQuery({
    queryKey: ['pact-host', 'requests'],
    queryFn: ({ signal }) => publishedApi.requests(signal),
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ['pact-host'] });
  const [notice, setNotice] = useState<string | null>(null);

  const publish = useMutation({
    mutationFn: (v: { footprintId: string; options: PublishOptions }) =>
      publishedApi.publish(v.footprintId, v.options),
    onSuccess: (r) => {
      setNotice(t('pactHost.publishedNotice', { product: r.publication.productName, id: r.publication.id }));
      void refresh();
    },
  });
  const deprecate = useMutation({
    mutationFn: (v: { id: string; reason: string }) => publishedApi.deprecate(v.id, v.reason),
    onSuccess: () => void refresh(),
  });
  const endAgreement = useMutation({
    mutationFn: publishedApi.endAgreement,
    onSuccess: () => void refresh(),
  });

  const when = (s: string | null | undefined) => (s ? new Date(s).toLocaleString(i18n.language) : '–');
  const pubs = publications.data?.publications ?? [];
  const byId = new Map(pubs.map((p) => [p.id, p]));

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('pactHost.title')}</h1>
        <p className="muted">{t('pactHost.intro')}</p>
      </header>
      {notice ? (
        <div className="alert" role="status" data-testid="pact-host-notice">
          {notice}
        </div>
      ) : null}
      <ErrorAlert
        error={
          publishable.error ??
          publications.error ??
          publish.error ??
          deprecate.error ??
          endAgreement.error ??
          access.error
        }
      />

      <div className="card table-card">
        <h2>{t('pactHost.recorded')}</h2>
        {publishable.isLoading ? <Loading /> : null}
        {publishable.data && publishable.data.footprints.length === 0 ? (
          <p className="empty">{t('pactHost.noRecorded')}</p>
        ) : null}
        {(publishable.data?.footprints.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="pact-publishable">
              <thead>
                <tr>
                  <th>{t('pactHost.columns.product')}</th>
                  <th className="num">{t('pactHost.columns.total')}</th>
                  <th>{t('pactHost.columns.recorded')}</th>
                  <th>{t('pactHost.columns.published')}</th>
                  <th>{t('pactHost.columns.publishTo')}</th>
                </tr>
              </thead>
              <tbody>
                {publishable.data!.footprints.map((f) => (
                  <PublishRow
                    key={f.footprintId}
                    f={f}
                    recipients={recipients.data?.recipients ?? []}
                    busy={publish.isPending && publish.variables?.footprintId === f.footprintId}
                    when={when}
                    onPublish={(options) => publish.mutate({ footprintId: f.footprintId, options })}
                  />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      <div className="card table-card">
        <h2>{t('pactHost.publications')}</h2>
        {publications.data && pubs.length === 0 ? (
          <p className="empty">{t('pactHost.noPublications')}</p>
        ) : null}
        {pubs.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="pact-publications">
              <thead>
                <tr>
                  <th>{t('pactHost.columns.product')}</th>
                  <th>{t('pactHost.columns.status')}</th>
                  <th className="num">{t('pactHost.columns.pcf')}</th>
                  <th>{t('pactHost.columns.chain')}</th>
                  <th>{t('pactHost.columns.sharedWith')}</th>
                  <th>{t('pactHost.columns.created')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {pubs.map((p) => (
                  <tr key={p.id} data-testid="pact-publication" data-id={p.id} data-status={p.status}>
                    <td>
                      {p.productName}
                      <div className="muted small mono">{p.id}</div>
                    </td>
                    <td>
                      <Badge tone={p.status === 'Active' ? 'green' : 'gray'}>
                        {t(`pactHost.status.${p.status}`)}
                      </Badge>
                      {p.statusComment ? <div className="muted small">{p.statusComment}</div> : null}
                      <div className="muted small">{t('pactHost.v2Version', { version: p.version })}</div>
                    </td>
                    <td className="num">
                      {p.pcfExcludingBiogenicUptake}
                      <div className="muted small">{t('pactHost.perUnit', { unit: p.declaredUnit })}</div>
                    </td>
                    <td>
                      {p.precedingPfIds.length === 0
                        ? t('pactHost.firstVersion')
                        : t('pactHost.precededBy', { count: p.precedingPfIds.length })}
                      {p.precedingPfIds.map((id) => (
                        <div key={id} className="muted small mono">
                          ← {id.slice(0, 8)}{' '}
                          {byId.get(id) ? `(${t(`pactHost.status.${byId.get(id)!.status}`)})` : ''}
                        </div>
                      ))}
                    </td>
                    <td>
                      {p.sharedWith.length === 0
                        ? t('pactHost.nobody')
                        : p.sharedWith.map((s) => (
                            <div key={s.org}>
                              {s.name}{' '}
                              {s.scope === 'all' ? (
                                <span className="muted small">({t('pactHost.scopeAll')})</span>
                              ) : null}
                            </div>
                          ))}
                    </td>
                    <td>{when(p.created)}</td>
                    <td>
                      {p.status === 'Active' ? (
                        <button
                          type="button"
                          className="btn btn-secondary"
                          disabled={deprecate.isPending}
                          data-testid="pact-deprecate"
                          onClick={() => {
                            const reason = window.prompt(t('pactHost.deprecateReason')) ?? '';
                            deprecate.mutate({ id: p.id, reason });
                          }}
                        >
                          {t('pactHost.deprecate')}
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
        <h2>{t('pactHost.agreements')}</h2>
        <p className="muted small">{t('pactHost.agreementsNote')}</p>
        {agreements.data && agreements.data.agreements.length === 0 ? (
          <p className="empty">{t('pactHost.noAgreements')}</p>
        ) : null}
        {(agreements.data?.agreements.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="pact-agreements">
              <thead>
                <tr>
                  <th>{t('pactHost.columns.owner')}</th>
                  <th>{t('pactHost.columns.recipient')}</th>
                  <th>{t('pactHost.columns.scope')}</th>
                  <th>{t('pactHost.columns.since')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {agreements.data!.agreements.map((a) => (
                  <tr key={a.id}>
                    <td>{a.owner.name}</td>
                    <td>{a.recipient.name}</td>
                    <td>
                      {a.scope === 'all'
                        ? t('pactHost.scopeAll')
                        : t('pactHost.scopeSelected', { count: a.publications.length })}
                    </td>
                    <td>{when(a.createdAt)}</td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-secondary"
                        disabled={endAgreement.isPending}
                        onClick={() => {
                          if (window.confirm(t('pactHost.endConfirm', { recipient: a.recipient.name })))
                            endAgreement.mutate(a.id);
                        }}
                      >
                        {t('pactHost.end')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      {(requests.data?.requests.length ?? 0) > 0 ? (
        <div className="card table-card">
          <h2>{t('pactHost.requests')}</h2>
          <div className="table-wrap">
            <table className="table" data-testid="pact-requests">
              <thead>
                <tr>
                  <th>{t('pactHost.columns.received')}</th>
                  <th>{t('pactHost.columns.recipient')}</th>
                  <th>{t('pactHost.columns.criteria')}</th>
                  <th>{t('pactHost.columns.status')}</th>
                </tr>
              </thead>
              <tbody>
                {requests.data!.requests.map((r) => (
                  <tr key={r.id}>
                    <td>{when(r.createdAt)}</td>
                    <td>{r.recipient.name}</td>
                    <td className="small mono">{JSON.stringify(r.criteria).slice(0, 120)}</td>
                    <td>
                      <Badge
                        tone={r.status === 'Fulfilled' ? 'green' : r.status === 'Rejected' ? 'red' : 'amber'}
                      >
                        {t(`pactHost.requestStatus.${r.status}`)}
                      </Badge>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}

      <div className="card table-card">
        <h2>{t('pactHost.accessLog')}</h2>
        {access.data && access.data.entries.length === 0 ? (
          <p className="empty">{t('pactHost.noAccess')}</p>
        ) : null}
        {(access.data?.entries.length ?? 0) > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="pact-access-log">
              <thead>
                <tr>
                  <th>{t('pactHost.columns.when')}</th>
                  <th>{t('pactHost.columns.recipient')}</th>
                  <th>{t('pactHost.columns.client')}</th>
                  <th>{t('pactHost.columns.action')}</th>
                  <th>{t('pactHost.columns.product')}</th>
                </tr>
              </thead>
              <tbody>
                {access.data!.entries.map((e) => (
                  <tr key={e.id}>
                    <td>{when(e.at)}</td>
                    <td>{e.recipient.name}</td>
                    <td className="mono small">{e.clientId}</td>
                    <td>{t(`pactHost.action.${e.action}`, { spec: e.spec })}</td>
                    <td>
                      {e.productName ?? '–'}
                      <div className="muted small mono">{e.publicationId}</div>
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

function PublishRow({
  f,
  recipients,
  busy,
  when,
  onPublish,
}: {
  f: Publishable;
  recipients: Recipient[];
  busy: boolean;
  when: (s: string) => string;
  onPublish: (options: PublishOptions) => void;
}) {
  const { t } = useTranslation();
  const [to, setTo] = useState<string[]>([]);
  const [mass, setMass] = useState('');
  const [classification, setClassification] = useState('');
  const needsMass = NEEDS_MASS.test(f.declaredUnit.trim());
  const active = f.publications.filter((p) => p.status === 'Active').length;
  return (
    <tr data-testid="pact-publishable-row" data-footprint={f.footprintId}>
      <td>
        {f.productName}
        <div className="muted small">{f.org}</div>
      </td>
      <td className="num">
        {f.total}
        <div className="muted small">{t('pactHost.perUnit', { unit: f.declaredUnit })}</div>
      </td>
      <td>{when(f.recordedAt)}</td>
      <td>
        {f.publications.length === 0
          ? t('pactHost.notPublished')
          : t('pactHost.publishedTimes', { count: f.publications.length, active })}
      </td>
      <td>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            onPublish({
              ...(to.length ? { to } : {}),
              ...(mass.trim() ? { productMassPerDeclaredUnit: mass.trim() } : {}),
              ...(classification.trim() ? { classifications: [classification.trim()] } : {}),
            });
          }}
        >
          <label className="field">
            <span>{t('pactHost.fields.to')}</span>
            <select
              multiple
              value={to}
              onChange={(e) => setTo([...e.target.selectedOptions].map((o) => o.value))}
              data-testid="pact-publish-to"
            >
              {recipients.map((r) => (
                <option key={r.id} value={r.slug}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
          {needsMass ? (
            <label className="field">
              <span>{t('pactHost.fields.mass')}</span>
              <input
                inputMode="decimal"
                pattern="[0-9]+(\.[0-9]+)?"
                value={mass}
                onChange={(e) => setMass(e.target.value)}
                data-testid="pact-publish-mass"
              />
            </label>
          ) : null}
          <label className="field">
            <span>{t('pactHost.fields.classification')}</span>
            <input
              placeholder="urn:pact:productclassification:hs:854143"
              value={classification}
              onChange={(e) => setClassification(e.target.value)}
            />
          </label>
          <button className="btn btn-primary" type="submit" disabled={busy} data-testid="pact-publish">
            {t('pactHost.publish')}
          </button>
        </form>
      </td>
    </tr>
  );
}
