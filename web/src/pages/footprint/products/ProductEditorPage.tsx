import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { Loading } from '../../../components/Badge';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { footprintJsonUrl, footprintPdfUrl, productsApi, type Factor, type FootprintResult } from './api';
import { fmtDecimal } from './format';
import './products.css';

// echarts is large: its chunk loads with the first result, not with the app.
const ResultChart = lazy(() => import('./ResultChart').then((m) => ({ default: m.ResultChart })));

// The model as the editor holds it: JSON as the API takes it, decimals as strings.
type Json = { [k: string]: unknown };
type Path = (string | number)[];
interface Draft extends Json {
  name: string;
  declaredUnit: { amount: string; unit: string };
  boundary: 'cradle-to-gate' | 'cradle-to-grave';
  year: number;
  region: string;
  materials: Json[];
  energy: Json[];
  processEmissions: Json[];
  transport: Json[];
  use: Json[];
  endOfLife: Json[];
  exemptions: Json[];
}

const EMPTY: Draft = {
  name: '',
  declaredUnit: { amount: '1', unit: 't' },
  boundary: 'cradle-to-gate',
  year: new Date().getFullYear() - 1,
  region: 'CN',
  materials: [],
  energy: [],
  processEmissions: [],
  transport: [],
  use: [],
  endOfLife: [],
  exemptions: [],
};

const NEW_ROW: Record<string, () => Json> = {
  materials: () => ({ name: '', amount: '', unit: 't', factor: { key: '' } }),
  energy: () => ({ name: '', carrier: 'electricity', amount: '', unit: 'kWh' }),
  processEmissions: () => ({ name: '', gas: 'CO2', amount: '' }),
  transport: () => ({
    name: '',
    mode: 'road',
    mass: '',
    massUnit: 't',
    distance: '',
    factor: { key: '' },
    leg: 'upstream',
  }),
  use: () => ({ name: '', amount: '', unit: 'kWh', factor: { key: '' } }),
  endOfLife: () => ({ name: '', amount: '', unit: 't', factor: { key: '' } }),
  exemptions: () => ({ description: '', sharePercent: '' }),
};

function getIn(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const k of path)
    cur = cur === null || cur === undefined ? undefined : (cur as Record<string, unknown>)[k];
  return cur;
}

/** A copy of `obj` with `path` set to `value` (undefined deletes it). */
function setIn<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [k, ...rest] = path as [string | number, ...Path];
  const copy = (Array.isArray(obj) ? [...obj] : { ...(obj as object) }) as Record<string | number, unknown>;
  const next = setIn(copy[k] ?? (typeof rest[0] === 'number' ? [] : {}), rest, value);
  if (next === undefined) delete copy[k];
  else copy[k] = next;
  return copy as T;
}

/** What is sent: empty optional fields dropped (an empty release means the newest). */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === '' && k !== 'name' && k !== 'amount') continue;
      if (Array.isArray(x) && x.length === 0 && k === 'instruments') continue;
      out[k] = clean(x);
    }
    return out;
  }
  return v;
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

interface FieldProps {
  draft: Draft;
  set: (path: Path, v: unknown) => void;
  path: Path;
  label: string;
  testId: string;
}

function TextField({ draft, set, path, label, testId, width }: FieldProps & { width?: string }) {
  const v = getIn(draft, path);
  return (
    <label className="pcf-field" style={width ? { width } : undefined}>
      <span>{label}</span>
      <input
        value={v === undefined || v === null ? '' : String(v)}
        onChange={(e) => set(path, e.target.value)}
        data-testid={testId}
      />
    </label>
  );
}

function SelectField({
  draft,
  set,
  path,
  label,
  testId,
  options,
}: FieldProps & { options: [string, string][] }) {
  return (
    <label className="pcf-field">
      <span>{label}</span>
      <select
        value={String(getIn(draft, path) ?? '')}
        onChange={(e) => set(path, e.target.value)}
        data-testid={testId}
      >
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

function CheckField({ draft, set, path, label, testId }: FieldProps) {
  return (
    <label className="pcf-check">
      <input
        type="checkbox"
        checked={getIn(draft, path) === true}
        onChange={(e) => set(path, e.target.checked || undefined)}
        data-testid={testId}
      />
      <span>{label}</span>
    </label>
  );
}

/** A factor key with a search of the library (GET /footprint/factors?q=). */
function FactorPicker({ draft, set, path, testId }: Omit<FieldProps, 'label'>) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const term = useDebounced(q, 300);
  const search = useQuery({
    queryKey: ['products', 'factor-search', term],
    queryFn: ({ signal }) => productsApi.searchFactors(term, signal),
    enabled: open && term.trim().length > 1,
  });
  const pick = (f: Factor) => {
    set(path, { key: f.key, release: f.release });
    setOpen(false);
  };
  return (
    <div className="pcf-picker">
      <TextField
        draft={draft}
        set={set}
        path={[...path, 'key']}
        label={t('products.editor.factor')}
        testId={`${testId}-key`}
      />
      <TextField
        draft={draft}
        set={set}
        path={[...path, 'release']}
        label={t('products.editor.release')}
        testId={`${testId}-release`}
        width="8rem"
      />
      <button
        type="button"
        className="btn btn-link"
        onClick={() => setOpen(!open)}
        data-testid={`${testId}-search`}
      >
        {t('products.editor.search')}
      </button>
      {open ? (
        <div className="pcf-picker-panel card">
          <input
            type="search"
            autoFocus
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder={t('products.editor.search')}
            data-testid={`${testId}-q`}
          />
          {search.isFetching ? <p className="muted small">{t('products.editor.searching')}</p> : null}
          <ErrorAlert error={search.error} />
          {search.data && search.data.results.length === 0 ? (
            <p className="muted small">{t('products.editor.noFactors')}</p>
          ) : null}
          <ul>
            {search.data?.results.map((f) => (
              <li key={f.id}>
                <button
                  type="button"
                  className="btn-link"
                  onClick={() => pick(f)}
                  data-testid="factor-option"
                >
                  <span className="code">{f.key}</span> {f.name}{' '}
                  <span className="muted small">
                    {f.value} kg CO2e/{f.unit} · {f.region} {f.year} · {f.release}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function Section({
  title,
  list,
  draft,
  set,
  children,
}: {
  title: string;
  list: keyof typeof NEW_ROW;
  draft: Draft;
  set: (path: Path, v: unknown) => void;
  children: (i: number) => ReactNode;
}) {
  const { t } = useTranslation();
  const rows = (draft[list] as Json[] | undefined) ?? [];
  return (
    <fieldset className="card pcf-section" data-testid={`section-${list}`}>
      <legend>{title}</legend>
      {rows.map((_, i) => (
        <div className="pcf-row" key={i} data-testid={`${list}-${i}`}>
          {children(i)}
          <button
            type="button"
            className="btn btn-link danger"
            onClick={() =>
              set(
                [list],
                rows.filter((__, j) => j !== i),
              )
            }
            data-testid={`${list}-${i}-remove`}
          >
            {t('products.editor.remove')}
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-secondary"
        onClick={() => set([list], [...rows, NEW_ROW[list]!()])}
        data-testid={`add-${list}`}
      >
        + {t('products.editor.add')}
      </button>
    </fieldset>
  );
}

const UNITS = [
  't',
  'kg',
  'g',
  'item',
  'kWh',
  'MWh',
  'GJ',
  'MJ',
  'L',
  'm3',
  'm2',
  't·km',
  'USD',
  'EUR',
  'CNY',
];

function Model({ draft, set }: { draft: Draft; set: (path: Path, v: unknown) => void }) {
  const { t } = useTranslation();
  const f = (path: Path, key: string, testId: string) => (
    <TextField draft={draft} set={set} path={path} label={t(`products.editor.${key}`)} testId={testId} />
  );
  const unit = (path: Path, testId: string) => (
    <SelectField
      draft={draft}
      set={set}
      path={path}
      label={t('products.editor.unit')}
      testId={testId}
      options={[...new Set([String(getIn(draft, path) ?? 't'), ...UNITS])].map((u) => [u, u])}
    />
  );
  const opts = (group: string, values: readonly string[]): [string, string][] =>
    values.map((v) => [v, t(`products.${group}.${v}`)]);
  return (
    <>
      <fieldset className="card pcf-section">
        <legend>{t('products.editor.basics')}</legend>
        <div className="pcf-row">
          {f(['name'], 'name', 'model-name')}
          {f(['declaredUnit', 'amount'], 'declaredUnit', 'declared-amount')}
          {unit(['declaredUnit', 'unit'], 'declared-unit')}
          <SelectField
            draft={draft}
            set={set}
            path={['boundary']}
            label={t('products.editor.boundary')}
            testId="boundary"
            options={opts('boundaries', ['cradle-to-gate', 'cradle-to-grave'])}
          />
          <label className="pcf-field" style={{ width: '6rem' }}>
            <span>{t('products.editor.year')}</span>
            <input
              type="number"
              value={draft.year}
              onChange={(e) => set(['year'], Number(e.target.value))}
              data-testid="model-year"
            />
          </label>
          {f(['region'], 'region', 'model-region')}
        </div>
        <p className="muted small">{t('products.editor.declaredUnitHelp')}</p>
      </fieldset>

      <Section title={t('products.editor.materials')} list="materials" draft={draft} set={set}>
        {(i) => {
          const supplier = getIn(draft, ['materials', i, 'supplierFootprint']) !== undefined;
          const p = (k: string) => ['materials', i, k];
          return (
            <>
              {f(p('name'), 'name', `materials-${i}-name`)}
              {f(p('amount'), 'amount', `materials-${i}-amount`)}
              {unit(p('unit'), `materials-${i}-unit`)}
              <label className="pcf-field">
                <span>{t('products.editor.source')}</span>
                <select
                  value={supplier ? 'supplier' : 'factor'}
                  data-testid={`materials-${i}-source`}
                  onChange={(e) => {
                    const row = { ...(getIn(draft, ['materials', i]) as Json) };
                    delete row['factor'];
                    delete row['supplierFootprint'];
                    if (e.target.value === 'supplier')
                      row['supplierFootprint'] = {
                        pcfExcludingBiogenic: '',
                        declaredUnit: { amount: '1', unit: String(row['unit'] ?? 't') },
                        source: { supplier: '' },
                      };
                    else row['factor'] = { key: '' };
                    set(['materials', i], row);
                  }}
                >
                  <option value="factor">{t('products.editor.sourceFactor')}</option>
                  <option value="supplier">{t('products.editor.sourceSupplier')}</option>
                </select>
              </label>
              {supplier ? (
                <>
                  {f(
                    [...p('supplierFootprint'), 'pcfExcludingBiogenic'],
                    'supplierPcf',
                    `materials-${i}-pcf`,
                  )}
                  {f(
                    [...p('supplierFootprint'), 'declaredUnit', 'amount'],
                    'supplierPer',
                    `materials-${i}-pcf-amount`,
                  )}
                  {unit([...p('supplierFootprint'), 'declaredUnit', 'unit'], `materials-${i}-pcf-unit`)}
                  {f(
                    [...p('supplierFootprint'), 'source', 'supplier'],
                    'supplierName',
                    `materials-${i}-supplier`,
                  )}
                </>
              ) : (
                <FactorPicker draft={draft} set={set} path={p('factor')} testId={`materials-${i}-factor`} />
              )}
            </>
          );
        }}
      </Section>

      <Section title={t('products.editor.energy')} list="energy" draft={draft} set={set}>
        {(i) => {
          const p = (k: string) => ['energy', i, k];
          const electricity = getIn(draft, p('carrier')) === 'electricity';
          const instruments = (getIn(draft, p('instruments')) as Json[] | undefined) ?? [];
          return (
            <>
              {f(p('name'), 'name', `energy-${i}-name`)}
              <SelectField
                draft={draft}
                set={set}
                path={p('carrier')}
                label={t('products.editor.carrier')}
                testId={`energy-${i}-carrier`}
                options={opts('carriers', ['electricity', 'fuel', 'heat', 'steam'])}
              />
              {f(p('amount'), 'amount', `energy-${i}-amount`)}
              {unit(p('unit'), `energy-${i}-unit`)}
              {electricity ? (
                <>
                  {f(p('gridRegion'), 'gridRegion', `energy-${i}-grid`)}
                  <div className="pcf-instruments">
                    <span className="small muted">{t('products.editor.instruments')}</span>
                    {instruments.map((_, k) => {
                      const ip = (x: string) => ['energy', i, 'instruments', k, x];
                      return (
                        <div className="pcf-row" key={k}>
                          <SelectField
                            draft={draft}
                            set={set}
                            path={ip('type')}
                            label={t('products.editor.instrumentType')}
                            testId={`energy-${i}-instrument-${k}-type`}
                            options={['GEC', 'I-REC', 'EnergyTag', 'GO', 'PPA', 'direct-line'].map((x) => [
                              x,
                              x,
                            ])}
                          />
                          {f(ip('id'), 'instrumentId', `energy-${i}-instrument-${k}-id`)}
                          {f(ip('amount'), 'amount', `energy-${i}-instrument-${k}-amount`)}
                          {unit(ip('unit'), `energy-${i}-instrument-${k}-unit`)}
                          {f(ip('factor'), 'instrumentFactor', `energy-${i}-instrument-${k}-factor`)}
                          <button
                            type="button"
                            className="btn btn-link danger"
                            onClick={() =>
                              set(
                                p('instruments'),
                                instruments.filter((__, j) => j !== k),
                              )
                            }
                          >
                            {t('products.editor.remove')}
                          </button>
                        </div>
                      );
                    })}
                    <button
                      type="button"
                      className="btn btn-link"
                      onClick={() =>
                        set(p('instruments'), [
                          ...instruments,
                          { type: 'GEC', id: '', amount: '', unit: 'kWh' },
                        ])
                      }
                      data-testid={`energy-${i}-add-instrument`}
                    >
                      + {t('products.editor.instruments')}
                    </button>
                  </div>
                </>
              ) : (
                <FactorPicker draft={draft} set={set} path={p('factor')} testId={`energy-${i}-factor`} />
              )}
            </>
          );
        }}
      </Section>

      <Section title={t('products.editor.processEmissions')} list="processEmissions" draft={draft} set={set}>
        {(i) => {
          const p = (k: string) => ['processEmissions', i, k];
          return (
            <>
              {f(p('name'), 'name', `process-${i}-name`)}
              <SelectField
                draft={draft}
                set={set}
                path={p('gas')}
                label={t('products.editor.gas')}
                testId={`process-${i}-gas`}
                options={['CO2', 'CH4', 'N2O', 'other'].map((g) => [g, t(`products.gases.${g}`)])}
              />
              {f(p('amount'), 'amount', `process-${i}-amount`)}
              <CheckField
                draft={draft}
                set={set}
                path={p('biogenic')}
                label={t('products.editor.biogenic')}
                testId={`process-${i}-biogenic`}
              />
              <CheckField
                draft={draft}
                set={set}
                path={p('measured')}
                label={t('products.editor.measured')}
                testId={`process-${i}-measured`}
              />
            </>
          );
        }}
      </Section>

      <Section title={t('products.editor.transport')} list="transport" draft={draft} set={set}>
        {(i) => {
          const p = (k: string) => ['transport', i, k];
          return (
            <>
              {f(p('name'), 'name', `transport-${i}-name`)}
              <SelectField
                draft={draft}
                set={set}
                path={p('mode')}
                label={t('products.editor.mode')}
                testId={`transport-${i}-mode`}
                options={opts('modes', ['road', 'rail', 'sea', 'air', 'inland-waterway'])}
              />
              {f(p('mass'), 'mass', `transport-${i}-mass`)}
              {unit(p('massUnit'), `transport-${i}-mass-unit`)}
              {f(p('distance'), 'distance', `transport-${i}-distance`)}
              <SelectField
                draft={draft}
                set={set}
                path={p('leg')}
                label={t('products.editor.leg')}
                testId={`transport-${i}-leg`}
                options={opts('legs', ['upstream', 'distribution'])}
              />
              <FactorPicker draft={draft} set={set} path={p('factor')} testId={`transport-${i}-factor`} />
            </>
          );
        }}
      </Section>

      {(['use', 'endOfLife'] as const).map((list) => (
        <Section key={list} title={t(`products.editor.${list}`)} list={list} draft={draft} set={set}>
          {(i) => (
            <>
              {f([list, i, 'name'], 'name', `${list}-${i}-name`)}
              {f([list, i, 'amount'], 'amount', `${list}-${i}-amount`)}
              {unit([list, i, 'unit'], `${list}-${i}-unit`)}
              <FactorPicker
                draft={draft}
                set={set}
                path={[list, i, 'factor']}
                testId={`${list}-${i}-factor`}
              />
            </>
          )}
        </Section>
      ))}

      <Section title={t('products.editor.exemptions')} list="exemptions" draft={draft} set={set}>
        {(i) => (
          <>
            {f(['exemptions', i, 'description'], 'description', `exemptions-${i}-description`)}
            {f(['exemptions', i, 'sharePercent'], 'share', `exemptions-${i}-share`)}
          </>
        )}
      </Section>
    </>
  );
}

function Result({ result, busy }: { result: FootprintResult; busy: boolean }) {
  const { t, i18n } = useTranslation();
  const [by, setBy] = useState<'stage' | 'input'>('stage');
  const n = (v: string | null | undefined, dp = 3) => fmtDecimal(v, i18n.language, dp);
  const unit = t('products.result.unit');
  const bars =
    by === 'stage'
      ? result.byStage.map((s) => ({ label: t(`products.stages.${s.stage}`), value: s.emissions }))
      : result.byInput.map((l) => ({ label: l.name, value: l.emissions }));
  return (
    <div className={busy ? 'pcf-result busy' : 'pcf-result'}>
      <div className="pcf-total">
        <div className="muted small">{t('products.result.total', { unit: result.perUnit })}</div>
        <div>
          <span className="pcf-total-value num" data-testid="live-total" data-value={result.total}>
            {n(result.total)}
          </span>{' '}
          {unit}
        </div>
        <div className="muted small">{t('products.result.headlineNote')}</div>
      </div>
      <dl className="pcf-kv">
        <dt>{t('products.result.includingBiogenic')}</dt>
        <dd className="num">{n(result.pcfIncludingBiogenic)}</dd>
        <dt>{t('products.result.locationBased')}</dt>
        <dd className="num" data-testid="live-total-location">
          {n(result.totalLocationBased)}
        </dd>
        <dt>{t('products.result.fossil')}</dt>
        <dd className="num">{n(result.fossil)}</dd>
        <dt>{t('products.result.luc')}</dt>
        <dd className="num">{n(result.luc)}</dd>
        <dt>{t('products.result.aircraft')}</dt>
        <dd className="num">{n(result.aircraft)}</dd>
        <dt>{t('products.result.primaryShare')}</dt>
        <dd className="num">
          {result.primaryDataShare === null ? '–' : `${n(result.primaryDataShare, 1)} %`}
        </dd>
      </dl>
      <div className="pcf-tabs" role="tablist">
        {(['stage', 'input'] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={by === k}
            className={by === k ? 'btn btn-primary' : 'btn btn-secondary'}
            onClick={() => setBy(k)}
            data-testid={`chart-by-${k}`}
          >
            {t(k === 'stage' ? 'products.chart.byStage' : 'products.chart.byInput')}
          </button>
        ))}
      </div>
      <Suspense fallback={<Loading />}>
        <ResultChart bars={bars} unit={unit} testId="result-chart" />
      </Suspense>
      <h3>{t('products.result.byGas')}</h3>
      <table className="table compact">
        <tbody>
          {result.byGas.map((g) => (
            <tr key={g.gas}>
              <td>{t(`products.gases.${g.gas}`)}</td>
              <td className="num">{n(g.emissions)}</td>
              <td className="num">{n(g.sharePercent, 1)} %</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.electricity.lines.length > 0 ? (
        <>
          <h3>{t('products.result.electricity')}</h3>
          <table className="table compact" data-testid="electricity-table">
            <thead>
              <tr>
                <th />
                <th className="num">{t('products.result.kWh')}</th>
                <th className="num">{t('products.result.location')}</th>
                <th className="num">{t('products.result.market')}</th>
              </tr>
            </thead>
            <tbody>
              {result.electricity.lines.map((e) => (
                <tr key={e.path}>
                  <td>
                    {e.name}
                    <div className="muted small">
                      {e.gridFactor.key} · {e.gridFactor.value} kg/{e.gridFactor.unit}
                    </div>
                  </td>
                  <td className="num">{n(e.kWh)}</td>
                  <td className="num">{n(e.locationBased)}</td>
                  <td className="num">{n(e.marketBased)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <h3>{t('products.result.dataQuality')}</h3>
      <ul className="pcf-dqr small">
        {Object.entries(result.dataQuality).map(([k, v]) => (
          <li key={k}>
            {t(`products.dq.${k}`)}: <span className="num">{n(v.rating, 2)}</span>{' '}
            <span className="muted">
              ({t('products.result.coverage', { percent: n(v.coveragePercent, 1) })})
            </span>
          </li>
        ))}
      </ul>
      {result.excluded.length > 0 || result.warnings.length > 0 ? (
        <>
          <h3>{t('products.result.warnings')}</h3>
          <ul className="small">
            {result.excluded.map((x) => (
              <li key={x.path}>
                {t('products.result.excluded')}: {x.name} ({x.reason})
              </li>
            ))}
            {result.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** The product-model editor: the form, a live recalculation beside it, save, record, export. */
export function ProductEditorPage() {
  const { t, i18n } = useTranslation();
  const { id } = useParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [draft, setDraft] = useState<Draft | null>(id ? null : EMPTY);
  const [dirty, setDirty] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // Which product's saved model the form holds (state, not a ref: it is read while rendering).
  const [loaded, setLoaded] = useState<string | null>(null);

  const product = useQuery({
    queryKey: ['products', id],
    queryFn: ({ signal }) => productsApi.get(id!, signal),
    enabled: id !== undefined,
  });
  // Take the saved model once per product (not on every refetch: that would drop edits).
  if (id && product.data && loaded !== id) {
    setLoaded(id);
    setDraft({ ...EMPTY, ...(product.data.product.model as unknown as Draft) });
    setDirty(false);
  }
  if (!id && loaded !== null) {
    setLoaded(null);
    setDraft(EMPTY);
  }

  const set = (path: Path, v: unknown) => {
    setDraft((d) => setIn(d ?? EMPTY, path, v));
    setDirty(true);
    setNotice(null);
  };

  // Live recalculation: the model, once the typing pauses, to POST /footprint/calculate.
  const body = useDebounced(draft ? clean(draft) : null, 400);
  const ready = draft !== null && draft.name.trim() !== '';
  const calc = useQuery({
    queryKey: ['products', 'calculate', body],
    queryFn: ({ signal }) => productsApi.calculate(body, signal),
    enabled: ready && body !== null,
    placeholderData: (prev) => prev,
    retry: false,
  });

  const save = useMutation({
    mutationFn: async () => {
      const model = clean(draft);
      if (!id) return productsApi.create(model);
      return productsApi.update(id, model, product.data!.product.version);
    },
    onSuccess: async ({ product: p }) => {
      setDirty(false);
      setNotice(t('products.editor.saved', { version: p.version }));
      await qc.invalidateQueries({ queryKey: ['products'] });
      if (!id) {
        setLoaded(p.id);
        navigate(`/footprint/products/${p.id}`, { replace: true });
      }
    },
  });
  const record = useMutation({
    mutationFn: () => productsApi.record(id!),
    onSuccess: async (fp) => {
      setNotice(t('products.editor.recorded', { index: fp.ledger.index }));
      await qc.invalidateQueries({ queryKey: ['products', id] });
    },
  });

  if (id && product.isLoading) return <Loading />;
  if (id && product.error) return <ErrorAlert error={product.error} />;
  if (!draft) return <Loading />;
  const history = product.data?.product.history ?? [];

  return (
    <section className="page pcf-page">
      <header className="page-header">
        <div className="title-row">
          <h1>{id ? draft.name || t('products.title') : t('products.editor.newTitle')}</h1>
          <div className="actions">
            {dirty ? <span className="badge badge-amber">{t('products.editor.unsaved')}</span> : null}
            <button
              type="button"
              className="btn btn-primary"
              disabled={save.isPending}
              onClick={() => save.mutate()}
              data-testid="save-product"
            >
              {t('products.editor.save')}
            </button>
            <button
              type="button"
              className="btn btn-secondary"
              disabled={!id || dirty || record.isPending}
              title={!id || dirty ? t('products.editor.saveFirst') : undefined}
              onClick={() => record.mutate()}
              data-testid="record-footprint"
            >
              {t('products.editor.record')}
            </button>
          </div>
        </div>
        <p className="muted">
          <Link to="/footprint/products">{t('products.title')}</Link>
        </p>
      </header>
      {notice ? (
        <div className="alert alert-success" role="status" data-testid="editor-notice">
          {notice}
        </div>
      ) : null}
      <ErrorAlert error={save.error ?? record.error} />

      <div className="pcf-layout">
        <form className="pcf-form" onSubmit={(e) => e.preventDefault()} data-testid="product-form">
          <Model draft={draft} set={set} />
        </form>
        <aside className="card pcf-aside" aria-live="polite" data-testid="live-result">
          <h2>{t('products.result.title')}</h2>
          {!ready ? <p className="muted">{t('products.result.incomplete')}</p> : null}
          {ready && calc.error ? <ErrorAlert error={calc.error} /> : null}
          {ready && calc.isFetching && !calc.data ? (
            <p className="muted">{t('products.result.calculating')}</p>
          ) : null}
          {ready && calc.data && !calc.error ? <Result result={calc.data} busy={calc.isFetching} /> : null}
          {history.length > 0 ? (
            <>
              <h3>{t('products.editor.history')}</h3>
              <ul className="pcf-history" data-testid="footprint-history">
                {history.map((f) => (
                  <li key={f.id}>
                    <span className="num">{fmtDecimal(f.total, i18n.language)}</span>{' '}
                    {t('products.result.unit')} · v{f.productVersion} ·{' '}
                    {new Date(f.createdAt).toLocaleString(i18n.language)} ·{' '}
                    <Link to={`/ledger/entries/${f.ledger.index}`}>
                      {t('products.editor.ledgerEntry', { index: f.ledger.index })}
                    </Link>{' '}
                    ·{' '}
                    <a
                      href={footprintJsonUrl(f.id)}
                      download={`footprint-${f.id}.json`}
                      data-testid="footprint-json"
                    >
                      {t('products.editor.json')}
                    </a>{' '}
                    ·{' '}
                    <a
                      href={footprintPdfUrl(f.id)}
                      target="_blank"
                      rel="noreferrer"
                      data-testid="footprint-pdf"
                    >
                      {t('products.editor.pdf')}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </aside>
      </div>
    </section>
  );
}
