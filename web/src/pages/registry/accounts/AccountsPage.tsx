import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge, Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import {
  newKey,
  statementPath,
  unitsApi,
  verifyPath,
  type Holding,
  type MoveAnswer,
  type Retirement,
  type Units,
  type UnitState,
} from './api';

const STATE_TONE: Record<UnitState, string> = {
  held: 'green',
  retired: 'gray',
  cancelled: 'gray',
  buffer: 'amber',
  pending_export: 'amber',
  exported: 'gray',
  expired: 'gray',
};

/**
 * Accounts and holdings: the organisation's registry accounts, the units each holds (blocks with
 * their serials), transfer and retirement forms, the retirements made with their statements, and
 * the history of any serial.
 */
export function AccountsPage() {
  const { t } = useTranslation();
  const accounts = useQuery({
    queryKey: ['registry-units', 'accounts'],
    queryFn: ({ signal }) => unitsApi.accounts(signal),
  });
  const list = useMemo(() => accounts.data?.accounts ?? [], [accounts.data]);
  const [chosen, setSelected] = useState<string | null>(null);
  const [serial, setSerial] = useState('');
  // Until one is chosen: the organisation's first own holding account.
  const fallback = list.find((a) => a.kind === 'holding' && !a.national) ?? list[0];
  const selected = chosen ?? fallback?.number ?? null;
  const account = useQuery({
    queryKey: ['registry-units', 'account', selected],
    queryFn: ({ signal }) => unitsApi.account(selected!, signal),
    enabled: selected !== null,
  });
  const holdings = account.data?.holdings ?? [];
  const isHolding = account.data?.account.kind === 'holding';

  return (
    <section className="page">
      <header className="page-header">
        <h1>{t('registryAccounts.title')}</h1>
        <p className="muted">{t('registryAccounts.intro')}</p>
      </header>
      <ErrorAlert error={accounts.error ?? account.error} />

      <div className="card table-card">
        <h2>{t('registryAccounts.accounts')}</h2>
        {accounts.isLoading ? <Loading /> : null}
        {accounts.data && list.length === 0 ? (
          <p className="empty">{t('registryAccounts.noAccounts')}</p>
        ) : null}
        {list.length > 0 ? (
          <div className="table-wrap">
            <table className="table responsive-table" data-testid="registry-accounts">
              <thead>
                <tr>
                  <th>{t('registryAccounts.columns.number')}</th>
                  <th>{t('registryAccounts.columns.kind')}</th>
                  <th>{t('registryAccounts.columns.organisation')}</th>
                  <th>{t('registryAccounts.columns.name')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((a) => (
                  <tr key={a.id} aria-selected={a.number === selected}>
                    <td className="nowrap">
                      <button
                        type="button"
                        className="btn btn-link mono"
                        data-testid="account-link"
                        onClick={() => setSelected(a.number)}
                      >
                        {a.number}
                      </button>
                    </td>
                    <td>
                      {t(`registryAccounts.kinds.${a.kind}`)}
                      {a.national ? (
                        <>
                          {' '}
                          <Badge tone="amber">{t('registryAccounts.national')}</Badge>
                        </>
                      ) : null}
                    </td>
                    <td>{a.org.name}</td>
                    <td>{a.name}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>

      {selected ? (
        <div className="card table-card">
          <h2>
            {t('registryAccounts.holdingsOf')} <span className="mono">{selected}</span>
          </h2>
          {account.isLoading ? <Loading /> : null}
          {account.data && holdings.length === 0 ? (
            <p className="empty">{t('registryAccounts.noHoldings')}</p>
          ) : null}
          {holdings.length > 0 ? <HoldingsTable holdings={holdings} onHistory={setSerial} /> : null}
        </div>
      ) : null}

      {selected && isHolding ? (
        <div className="form-grid">
          <TransferForm from={selected} holdings={holdings} />
          <RetireForm from={selected} holdings={holdings} />
        </div>
      ) : null}

      <Retirements />
      <HistoryLookup key={serial} serial={serial} setSerial={setSerial} />
    </section>
  );
}

function HoldingsTable({
  holdings,
  onHistory,
}: {
  holdings: Holding[];
  onHistory: (serial: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="table-wrap">
      <table className="table responsive-table" data-testid="registry-holdings">
        <thead>
          <tr>
            <th>{t('registryAccounts.columns.project')}</th>
            <th>{t('registryAccounts.columns.serial')}</th>
            <th className="num">{t('registryAccounts.columns.units')}</th>
            <th>{t('registryAccounts.columns.state')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {holdings.flatMap((h) =>
            h.blocks.map((b) => (
              <tr key={b.id} data-testid="holding-block" data-state={b.state}>
                <td>
                  <span className="code">{h.projectCode}</span> {h.projectName}
                  <div className="muted small">
                    {h.hostCountry} · {h.unitType} · {t('registryAccounts.vintage')} {h.vintage}
                  </div>
                </td>
                <td className="mono small wrap-anywhere" data-testid="holding-serial">
                  {b.serial}
                </td>
                <td className="num">{BigInt(b.quantity).toLocaleString()}</td>
                <td>
                  <Badge tone={STATE_TONE[b.state]}>{t(`registryAccounts.states.${b.state}`)}</Badge>
                  {b.authorizationId ? (
                    <>
                      {' '}
                      <Badge tone="green">{t('registryAccounts.itmo')}</Badge>
                    </>
                  ) : null}
                </td>
                <td>
                  <button type="button" className="btn btn-link" onClick={() => onHistory(b.serial)}>
                    {t('registryAccounts.history')}
                  </button>
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Which units a form names: a serial range typed in, or a quantity of one of the account's issuances. */
function UnitsFields({
  holdings,
  value,
  onChange,
  prefix,
}: {
  holdings: Holding[];
  value: { issuanceId: string; quantity: string; serial: string };
  onChange: (v: { issuanceId: string; quantity: string; serial: string }) => void;
  prefix: string;
}) {
  const { t } = useTranslation();
  const held = holdings.filter((h) => BigInt(h.byState['held'] ?? '0') > 0n);
  return (
    <>
      <label className="field">
        <span>{t('registryAccounts.form.issuance')}</span>
        <select
          value={value.issuanceId}
          data-testid={`${prefix}-issuance`}
          onChange={(e) => onChange({ ...value, issuanceId: e.target.value })}
        >
          <option value="">–</option>
          {held.map((h) => (
            <option key={h.issuanceId} value={h.issuanceId}>
              {h.projectCode} {h.vintage} {h.unitType} ({BigInt(h.byState['held'] ?? '0').toLocaleString()})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('registryAccounts.form.quantity')}</span>
        <input
          inputMode="numeric"
          value={value.quantity}
          data-testid={`${prefix}-quantity`}
          onChange={(e) => onChange({ ...value, quantity: e.target.value })}
        />
      </label>
      <label className="field span-2">
        <span>{t('registryAccounts.form.serialInstead')}</span>
        <input
          className="mono"
          value={value.serial}
          placeholder="GTR-CN-VER-P0001-2024-1001-1500"
          data-testid={`${prefix}-serial`}
          onChange={(e) => onChange({ ...value, serial: e.target.value })}
        />
      </label>
    </>
  );
}

const unitsOf = (v: { issuanceId: string; quantity: string; serial: string }): Units =>
  v.serial.trim()
    ? { serials: [v.serial.trim()] }
    : { issuanceId: v.issuanceId, quantity: v.quantity.trim() };

function MoveResult({ r }: { r: MoveAnswer }) {
  const { t } = useTranslation();
  return (
    <div className="alert alert-success" role="status" data-testid="move-result">
      <div>
        {t('registryAccounts.done', {
          quantity: BigInt(r.quantity).toLocaleString(),
          from: r.from,
          to: r.to,
          index: r.ledger.index,
        })}
      </div>
      {r.ranges.map((x) => (
        <div key={x.serial} className="mono small wrap-anywhere">
          {x.serial}
        </div>
      ))}
    </div>
  );
}

function TransferForm({ from, holdings }: { from: string; holdings: Holding[] }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [to, setTo] = useState('');
  const [units, setUnits] = useState({ issuanceId: '', quantity: '', serial: '' });
  const [key, setKey] = useState(newKey);
  const transfer = useMutation({
    mutationFn: () => unitsApi.transfer({ from, to: to.trim(), units: unitsOf(units), idempotencyKey: key }),
    onSuccess: () => {
      setKey(newKey());
      void qc.invalidateQueries({ queryKey: ['registry-units'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    transfer.mutate();
  };
  return (
    <form className="card" onSubmit={submit} data-testid="transfer-form">
      <h2>{t('registryAccounts.transfer.title')}</h2>
      <p className="muted small">{t('registryAccounts.transfer.intro')}</p>
      <label className="field span-2">
        <span>{t('registryAccounts.transfer.to')}</span>
        <input
          className="mono"
          value={to}
          required
          placeholder="GTR-100-000002"
          data-testid="transfer-to"
          onChange={(e) => setTo(e.target.value)}
        />
      </label>
      <UnitsFields holdings={holdings} value={units} onChange={setUnits} prefix="transfer" />
      <ErrorAlert error={transfer.error} />
      {transfer.data ? <MoveResult r={transfer.data} /> : null}
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={transfer.isPending}
          data-testid="transfer-submit"
        >
          {t('registryAccounts.transfer.submit')}
        </button>
      </div>
    </form>
  );
}

function RetireForm({ from, holdings }: { from: string; holdings: Holding[] }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const year = new Date().getFullYear();
  const [units, setUnits] = useState({ issuanceId: '', quantity: '', serial: '' });
  const [beneficiary, setBeneficiary] = useState('');
  const [purpose, setPurpose] = useState('');
  const [start, setStart] = useState(`${year}-01-01`);
  const [end, setEnd] = useState(`${year}-12-31`);
  const [key, setKey] = useState(newKey);
  const retire = useMutation({
    mutationFn: () =>
      unitsApi.retire({
        from,
        units: unitsOf(units),
        beneficiary,
        purpose,
        claimPeriod: { start, end },
        idempotencyKey: key,
      }),
    onSuccess: () => {
      setKey(newKey());
      void qc.invalidateQueries({ queryKey: ['registry-units'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    retire.mutate();
  };
  const r: Retirement | undefined = retire.data;
  return (
    <form className="card" onSubmit={submit} data-testid="retire-form">
      <h2>{t('registryAccounts.retire.title')}</h2>
      <p className="muted small">{t('registryAccounts.retire.intro')}</p>
      <UnitsFields holdings={holdings} value={units} onChange={setUnits} prefix="retire" />
      <label className="field span-2">
        <span>{t('registryAccounts.retire.beneficiary')}</span>
        <input
          value={beneficiary}
          maxLength={200}
          data-testid="retire-beneficiary"
          onChange={(e) => setBeneficiary(e.target.value)}
        />
      </label>
      <label className="field span-2">
        <span>{t('registryAccounts.retire.purpose')}</span>
        <input
          value={purpose}
          maxLength={500}
          data-testid="retire-purpose"
          onChange={(e) => setPurpose(e.target.value)}
        />
      </label>
      <label className="field">
        <span>{t('registryAccounts.retire.claimStart')}</span>
        <input
          type="date"
          value={start}
          data-testid="retire-start"
          onChange={(e) => setStart(e.target.value)}
        />
      </label>
      <label className="field">
        <span>{t('registryAccounts.retire.claimEnd')}</span>
        <input type="date" value={end} data-testid="retire-end" onChange={(e) => setEnd(e.target.value)} />
      </label>
      <ErrorAlert error={retire.error} />
      {r ? (
        <div data-testid="retire-result">
          <MoveResult r={r} />
          <p>
            <a
              href={statementPath(r.retirementId)}
              target="_blank"
              rel="noreferrer"
              data-testid="statement-link"
            >
              {t('registryAccounts.retire.statement')}
            </a>{' '}
            · <Link to={verifyPath(r.retirementId)}>{t('registryAccounts.retire.verify')}</Link>
          </p>
        </div>
      ) : null}
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={retire.isPending}
          data-testid="retire-submit"
        >
          {t('registryAccounts.retire.submit')}
        </button>
      </div>
    </form>
  );
}

function Retirements() {
  const { t, i18n } = useTranslation();
  const q = useQuery({
    queryKey: ['registry-units', 'retirements'],
    queryFn: ({ signal }) => unitsApi.transactions({ kind: 'retirement', limit: 50 }, signal),
  });
  const list = q.data?.transactions ?? [];
  return (
    <div className="card table-card">
      <h2>{t('registryAccounts.retirements.title')}</h2>
      <ErrorAlert error={q.error} />
      {q.isLoading ? <Loading /> : null}
      {q.data && list.length === 0 ? <p className="empty">{t('registryAccounts.retirements.none')}</p> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table responsive-table" data-testid="retirements">
            <thead>
              <tr>
                <th>{t('registryAccounts.columns.date')}</th>
                <th className="num">{t('registryAccounts.columns.units')}</th>
                <th>{t('registryAccounts.retire.beneficiary')}</th>
                <th>{t('registryAccounts.retire.purpose')}</th>
                <th>{t('registryAccounts.columns.serial')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((x) => (
                <tr key={x.id}>
                  <td className="nowrap">{new Date(x.createdAt).toLocaleDateString(i18n.language)}</td>
                  <td className="num">{BigInt(x.quantity).toLocaleString()}</td>
                  <td>{String(x.details['beneficiary'] ?? '')}</td>
                  <td>{String(x.details['purpose'] ?? '')}</td>
                  <td className="mono small wrap-anywhere">{x.ranges.map((r) => r.serial).join(', ')}</td>
                  <td className="nowrap">
                    <a href={statementPath(x.id)} target="_blank" rel="noreferrer">
                      {t('registryAccounts.retire.statement')}
                    </a>
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

function HistoryLookup({ serial, setSerial }: { serial: string; setSerial: (s: string) => void }) {
  const { t, i18n } = useTranslation();
  const [typed, setTyped] = useState(serial);
  const q = useQuery({
    queryKey: ['registry-units', 'history', serial],
    queryFn: ({ signal }) => unitsApi.history(serial, signal),
    enabled: serial.trim() !== '',
    retry: false,
  });
  const kinds = useMemo(() => q.data?.transactions ?? [], [q.data]);
  return (
    <div className="card table-card" data-testid="history">
      <h2>{t('registryAccounts.historyTitle')}</h2>
      <form
        className="inline-fields"
        onSubmit={(e) => {
          e.preventDefault();
          setSerial(typed.trim());
        }}
      >
        <input
          className="mono"
          value={typed}
          placeholder="GTR-CN-VER-P0001-2024-1001-1001"
          aria-label={t('registryAccounts.columns.serial')}
          data-testid="history-serial"
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit" className="btn btn-secondary" data-testid="history-submit">
          {t('registryAccounts.lookUp')}
        </button>
      </form>
      <ErrorAlert error={q.error} />
      {q.data ? (
        <>
          <div className="table-wrap">
            <table className="table responsive-table" data-testid="history-table">
              <thead>
                <tr>
                  <th>{t('registryAccounts.columns.date')}</th>
                  <th>{t('registryAccounts.columns.kind')}</th>
                  <th>{t('registryAccounts.columns.from')}</th>
                  <th>{t('registryAccounts.columns.to')}</th>
                  <th className="num">{t('registryAccounts.columns.units')}</th>
                  <th>{t('registryAccounts.columns.ledger')}</th>
                </tr>
              </thead>
              <tbody>
                {kinds.map((x) => (
                  <tr key={x.id} data-testid="history-row" data-kind={x.kind}>
                    <td className="nowrap">{new Date(x.createdAt).toLocaleString(i18n.language)}</td>
                    <td>{t(`registryAccounts.kindsOfTransaction.${x.kind}`, { defaultValue: x.kind })}</td>
                    <td className="mono small">{x.from ?? '–'}</td>
                    <td className="mono small">{x.to ?? '–'}</td>
                    <td className="num">{BigInt(x.quantity).toLocaleString()}</td>
                    <td className="mono small">{x.ledger ? `#${x.ledger.index}` : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small">
            {t('registryAccounts.now')}{' '}
            {q.data.current
              .map((c) => `${c.serial}: ${t(`registryAccounts.states.${c.state}`)} (${c.account ?? '–'})`)
              .join('; ')}
          </p>
        </>
      ) : null}
    </div>
  );
}
