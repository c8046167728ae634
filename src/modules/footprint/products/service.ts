import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Db, Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { AppError, isAppError } from '../../../kernel/errors.js';
import type { LedgerService, ReferenceSource } from '../../ledger/index.js';
import type { Factor, FactorRef, FactorService } from '../factors/index.js';
import { calculate, type ResolvedFactors } from './calculate.js';
import { parseProductModel, type ProductModel } from './model.js';
import type { FootprintResult } from './result.js';
import * as store from './store.js';

/** A signed-in caller, or the local operator (the CLI), optionally acting for one organisation. */
export type Viewer = Principal | 'system';

/** Who may edit product models and record footprints; any member of the organisation may read them. */
const WRITE_ROLES: readonly Role[] = ['admin', 'member'];
const LIST_LIMIT = 500;

/** For `ledger verify`: footprints keep the ledger entry that anchors them. */
export const footprintReferences: ReferenceSource = {
  name: 'product footprints',
  sql: `SELECT 'footprint ' || id AS ref, ledger_index AS idx, ledger_leaf AS leaf FROM product_footprint`,
};

/** SHA-256 of the RFC 8785 canonical JSON: the same result hashes the same wherever it is stored. */
export const resultHash = (result: unknown): string =>
  createHash('sha256')
    .update(canonicalize(result) ?? '')
    .digest('hex');

/** The local operator acting as a member of one organisation (CLI `--org`), to see its own factors. */
export const operatorFor = (orgId: string): Principal => ({
  kind: 'user',
  id: 'system',
  name: 'local operator',
  memberships: [{ orgId, role: 'admin' }],
});

export interface ProductView {
  id: string;
  org: { id: string; slug: string };
  name: string;
  version: number;
  model: ProductModel;
  footprints: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface FootprintSummary {
  id: string;
  productId: string;
  productVersion: number;
  total: string;
  resultSha256: string;
  ledger: { index: number; leafHash: string; entryPath: string };
  createdBy: string;
  createdAt: string;
}

export interface FootprintView extends FootprintSummary {
  orgId: string;
  model: ProductModel;
  result: FootprintResult;
  /** The factors exactly as used, by model line: enough to recompute the result offline. */
  factors: ResolvedFactors;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const viewerName = (v: Viewer) => (v === 'system' ? 'local operator' : v.name);

const productView = (r: store.ProductRow): ProductView => ({
  id: r.id,
  org: { id: r.org_id, slug: r.org_slug },
  name: r.name,
  version: r.version,
  model: r.model as ProductModel,
  footprints: Number(r.footprints),
  createdBy: r.created_by,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const summaryView = (r: Omit<store.FootprintRow, 'model' | 'factors' | 'result'>): FootprintSummary => ({
  id: r.id,
  productId: r.product_id,
  productVersion: r.product_version,
  total: r.total,
  resultSha256: r.result_sha256,
  ledger: {
    index: Number(r.ledger_index),
    leafHash: r.ledger_leaf,
    entryPath: `/ledger/entries/${r.ledger_index}`,
  },
  createdBy: r.created_by,
  createdAt: iso(r.created_at),
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Called for each contractual instrument of a footprint being recorded, inside its transaction
 * (the registry claims the certificates it names, once). Throwing refuses the record.
 */
export type InstrumentClaimer = (
  tx: Queryable,
  claim: {
    orgId: string;
    footprintId: string;
    year: number;
    path: string;
    instrument: { type: string; id: string; amount: string | number; unit: string };
  },
) => Promise<void>;

export class ProductService {
  private instrumentClaimer: InstrumentClaimer | undefined;

  /** Wires who claims the instruments a recorded footprint names (see InstrumentClaimer). */
  setInstrumentClaimer(fn: InstrumentClaimer): void {
    this.instrumentClaimer = fn;
  }

  constructor(
    readonly db: Db,
    readonly factors: FactorService,
    readonly ledger: LedgerService,
  ) {
    ledger.registerReferences(footprintReferences);
  }

  /** The factors a model needs, resolved through the library as `viewer` sees it. */
  async resolve(
    model: ProductModel,
    viewer: Viewer,
  ): Promise<{ factors: ResolvedFactors; warnings: string[] }> {
    const grave = model.boundary === 'cradle-to-grave';
    const wanted: { path: string; ref: FactorRef }[] = [];
    const want = (path: string, ref: { key: string; release?: string | undefined } | undefined) => {
      if (ref) wanted.push({ path, ref: { key: ref.key, ...(ref.release ? { release: ref.release } : {}) } });
    };
    model.materials.forEach((m, i) => want(`materials.${i}`, m.factor));
    model.energy.forEach((e, i) => want(`energy.${i}`, e.factor));
    // Lines outside the boundary are listed as excluded: their factors are not needed.
    model.transport.forEach((t, i) =>
      grave || t.leg === 'upstream' ? want(`transport.${i}`, t.factor) : undefined,
    );
    if (grave) {
      model.use.forEach((a, i) => want(`use.${i}`, a.factor));
      model.endOfLife.forEach((a, i) => want(`endOfLife.${i}`, a.factor));
    }
    // The operator (CLI) sees every release; a caller sees shared data and its organisations' own.
    const principal = viewer;
    let found: Factor[] = [];
    if (wanted.length > 0) {
      try {
        found = await this.factors.getFactors(
          principal,
          wanted.map((w) => w.ref),
          'factors',
        );
      } catch (e) {
        // The library names the position in our batch; the user needs the model line.
        const m = isAppError(e) ? /^factors\.(\d+)/.exec(e.field ?? '') : null;
        const w = m ? wanted[Number(m[1])] : undefined;
        if (!w || !isAppError(e)) throw e;
        const field = `${w.path}.factor`;
        throw new AppError(
          e.code,
          `${field}: no factor "${w.ref.key}"${w.ref.release ? ` in release "${w.ref.release}"` : ''} in the factor library`,
          { field, details: { key: w.ref.key, release: w.ref.release ?? null } },
        );
      }
    }
    const lines: Record<string, Factor> = {};
    wanted.forEach((w, i) => (lines[w.path] = found[i]!));

    const electricity: ResolvedFactors['electricity'] = {};
    const warnings: string[] = [];
    const byRegion = new Map<string, Promise<{ grid: Factor | null; residualMix: Factor | null }>>();
    const gridOf = (region: string) => {
      let p = byRegion.get(region);
      if (!p) {
        p = Promise.all([
          this.factors.bestFactor(principal, { activity: 'electricity.grid', region, year: model.year }),
          this.factors.bestFactor(principal, {
            activity: 'electricity.residual-mix',
            region,
            year: model.year,
          }),
        ]).then(([grid, residualMix]) => ({ grid, residualMix }));
        byRegion.set(region, p);
      }
      return p;
    };
    for (const [i, e] of model.energy.entries()) {
      if (e.carrier !== 'electricity' || e.factor) continue;
      const path = `energy.${i}`;
      const region = e.gridRegion ?? model.region;
      const { grid, residualMix } = await gridOf(region);
      if (!grid) {
        const field = e.gridRegion ? `${path}.gridRegion` : 'region';
        throw new AppError(
          'validation_failed',
          `${field}: the factor library has no grid factor (electricity.grid) for ${region}; name one in ${path}.factor`,
          { field },
        );
      }
      if (grid.year !== model.year)
        warnings.push(`${path}: grid factor of ${grid.year} used for ${model.year}`);
      electricity[path] = { grid, residualMix };
    }
    return { factors: { lines, electricity }, warnings };
  }

  /** Calculates a model (anything from outside: it is parsed here) without saving it. */
  async calculate(
    input: unknown,
    viewer: Viewer,
  ): Promise<{ model: ProductModel; result: FootprintResult; factors: ResolvedFactors }> {
    const model = parseProductModel(input);
    const { factors, warnings } = await this.resolve(model, viewer);
    return { model, factors, result: calculate(model, factors, { warnings }) };
  }

  private canRead(viewer: Viewer, orgId: string): boolean {
    return viewer === 'system' || orgIdsOf(viewer).includes(orgId);
  }
  private canWrite(viewer: Viewer, orgId: string): boolean {
    return viewer === 'system' || hasRoleIn(viewer, orgId, WRITE_ROLES);
  }

  /** The organisation a new product belongs to: the one named, or the caller's only one. */
  private async ownerOf(viewer: Viewer, org: string | undefined): Promise<string> {
    if (org !== undefined) {
      const id = UUID_RE.test(org) ? org : await store.orgIdBySlug(this.db, org);
      // Another organisation is answered as unknown: its existence is not ours to reveal.
      if (!id || !this.canRead(viewer, id))
        throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
      if (viewer !== 'system' && !this.canWrite(viewer, id))
        throw new AppError(
          'forbidden',
          `org: product models are edited by its ${WRITE_ROLES.join(' or ')}s`,
          {
            field: 'org',
          },
        );
      return id;
    }
    if (viewer === 'system')
      throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
    const mine = [
      ...new Set(viewer.memberships.filter((m) => WRITE_ROLES.includes(m.role)).map((m) => m.orgId)),
    ];
    if (mine.length === 1) return mine[0]!;
    throw new AppError(
      mine.length === 0 ? 'forbidden' : 'bad_request',
      mine.length === 0
        ? `product models are edited by an organisation's ${WRITE_ROLES.join(' or ')}s`
        : 'org: you belong to several organisations; name one',
      { field: 'org' },
    );
  }

  async listProducts(viewer: Viewer, org?: string): Promise<ProductView[]> {
    let orgIds: string[];
    if (org !== undefined) orgIds = [await this.ownerOfRead(viewer, org)];
    else if (viewer === 'system')
      throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
    else orgIds = orgIdsOf(viewer);
    return (await store.productsOf(this.db, orgIds, LIST_LIMIT)).map(productView);
  }

  private async ownerOfRead(viewer: Viewer, org: string): Promise<string> {
    const id = UUID_RE.test(org) ? org : await store.orgIdBySlug(this.db, org);
    if (!id || !this.canRead(viewer, id))
      throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
    return id;
  }

  /** Saves a new product model (checked: it must calculate, so that what is saved can be recorded). */
  async createProduct(
    input: { org?: string | undefined; model: unknown },
    viewer: Viewer,
  ): Promise<ProductView> {
    const model = parseProductModel(input.model, 'model.');
    const orgId = await this.ownerOf(viewer, input.org);
    const id = await store.insertProduct(this.db, {
      orgId,
      name: model.name,
      model,
      createdBy: viewerName(viewer),
    });
    return this.getProduct(id, viewer);
  }

  private async visibleProduct(id: string, viewer: Viewer): Promise<store.ProductRow> {
    const row = UUID_RE.test(id) ? await store.findProduct(this.db, id) : undefined;
    if (!row || !this.canRead(viewer, row.org_id)) throw new AppError('not_found', `no product ${id}`);
    return row;
  }

  async getProduct(id: string, viewer: Viewer): Promise<ProductView & { history: FootprintSummary[] }> {
    const row = await this.visibleProduct(id, viewer);
    return { ...productView(row), history: (await store.footprintsOf(this.db, id)).map(summaryView) };
  }

  /** Replaces the model; the version counts up. `expectedVersion` refuses a stale edit (409). */
  async updateProduct(
    id: string,
    input: { model: unknown; expectedVersion?: number | undefined },
    viewer: Viewer,
  ): Promise<ProductView> {
    const row = await this.visibleProduct(id, viewer);
    if (!this.canWrite(viewer, row.org_id))
      throw new AppError(
        'forbidden',
        `product models are edited by the organisation's ${WRITE_ROLES.join(' or ')}s`,
      );
    const model = parseProductModel(input.model, 'model.');
    await this.db.transaction(async (tx) => {
      const now = await store.findProduct(tx, id, true);
      if (!now) throw new AppError('not_found', `no product ${id}`);
      if (input.expectedVersion !== undefined && input.expectedVersion !== now.version)
        throw new AppError(
          'conflict',
          `expectedVersion: the product is at version ${now.version}, not ${input.expectedVersion}`,
          { field: 'expectedVersion' },
        );
      await store.updateProduct(tx, id, model.name, model);
    });
    return this.getProduct(id, viewer);
  }

  /**
   * Calculates the product's current model and records the footprint: the record and its ledger
   * entry commit together, and the record keeps the entry's index and leaf hash.
   */
  async recordFootprint(productId: string, viewer: Viewer): Promise<FootprintView> {
    const row = await this.visibleProduct(productId, viewer);
    if (!this.canWrite(viewer, row.org_id))
      throw new AppError(
        'forbidden',
        `footprints are recorded by the organisation's ${WRITE_ROLES.join(' or ')}s`,
      );
    const { model, result, factors } = await this.calculate(row.model, viewer);
    const sha256 = resultHash(result);
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      const now = await store.findProduct(tx, productId, true);
      if (!now || now.version !== row.version)
        throw new AppError(
          'conflict',
          'the product model changed while its footprint was calculated; try again',
        );
      const appended = await this.ledger.append(tx, {
        type: 'footprint.product',
        subject: id,
        body: {
          footprint: id,
          product: { id: productId, name: model.name, version: row.version },
          declaredUnit: result.product.declaredUnit,
          boundary: model.boundary,
          pcfExcludingBiogenic: result.pcfExcludingBiogenic,
          pcfIncludingBiogenic: result.pcfIncludingBiogenic,
          perUnit: result.perUnit,
          resultSha256: sha256,
          ...ledgerFactors(result),
        },
        orgId: row.org_id,
        public: false,
      });
      await store.insertFootprint(tx, {
        id,
        productId,
        productVersion: row.version,
        orgId: row.org_id,
        model,
        factors,
        result,
        total: result.total,
        sha256,
        ledgerIndex: appended.index,
        ledgerLeaf: appended.leafHash,
        createdBy: viewerName(viewer),
      });
      const claim = this.instrumentClaimer;
      if (claim)
        for (const [i, e] of model.energy.entries())
          for (const [k, instrument] of (e.instruments ?? []).entries())
            await claim(tx, {
              orgId: row.org_id,
              footprintId: id,
              year: model.year,
              path: `energy.${i}.instruments.${k}`,
              instrument,
            });
    });
    return this.getFootprint(id, viewer);
  }

  async getFootprint(id: string, viewer: Viewer): Promise<FootprintView> {
    const row = UUID_RE.test(id) ? await store.findFootprint(this.db, id) : undefined;
    if (!row || !this.canRead(viewer, row.org_id)) throw new AppError('not_found', `no footprint ${id}`);
    return {
      ...summaryView(row),
      orgId: row.org_id,
      model: row.model as ProductModel,
      result: row.result as FootprintResult,
      factors: row.factors as ResolvedFactors,
    };
  }

  /**
   * Recalculates a recorded footprint from its model and the factors it recorded (release,
   * version, key, value and the rest, as they were): the result must hash the same.
   */
  async recompute(
    id: string,
    viewer: Viewer,
  ): Promise<{
    identical: boolean;
    resultSha256: string;
    recomputedSha256: string;
    result: FootprintResult;
  }> {
    const fp = await this.getFootprint(id, viewer);
    const model = parseProductModel(fp.model);
    const result = calculate(model, fp.factors, { warnings: resolveWarnings(fp.result) });
    const recomputedSha256 = resultHash(result);
    return {
      identical: recomputedSha256 === fp.resultSha256,
      resultSha256: fp.resultSha256,
      recomputedSha256,
      result,
    };
  }

  /** The footprint as a PDF report. */
  async report(id: string, viewer: Viewer, options: { compress?: boolean } = {}): Promise<Buffer> {
    const fp = await this.getFootprint(id, viewer);
    // pdfkit and its font engine take ~0.3 s to load: only when a report is asked for, not at every start.
    const { renderReport } = await import('./pdf.js');
    return renderReport(fp, options);
  }
}

/** Ledger entries are at most 64 KiB: past this the factor list is kept as its hash only. */
const MAX_LEDGER_FACTORS_BYTES = 32 * 1024;

/** The factors as the ledger entry names them: each one (release, version, key, value, unit), and their hash. */
function ledgerFactors(result: FootprintResult): Record<string, unknown> {
  const factors = result.factorsUsed.map((f) => ({
    release: f.release,
    releaseVersion: f.releaseVersion,
    key: f.key,
    value: f.value,
    unit: f.unit,
  }));
  const factorsSha256 = resultHash(factors);
  return JSON.stringify(factors).length <= MAX_LEDGER_FACTORS_BYTES
    ? { factors, factorsSha256 }
    : { factorsSha256, factorCount: factors.length };
}

/** The warnings that came from resolving (not from the calculation itself), to recompute with. */
function resolveWarnings(result: FootprintResult): string[] {
  return result.warnings.filter((w) => / grid factor of \d+ used for \d+$/.test(w));
}
