import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { loadConfig } from '../../../kernel/config.js';
import { AppError, isAppError } from '../../../kernel/errors.js';
import type { ProductService } from '../../footprint/index.js';
import { toPulled, usableFigures, type Pulled } from './convert.js';
import { DEFAULT_RESILIENCE, PactHttp, SupplierError, type Resilience } from './http.js';
import { EVENT_TYPES_V3, PublishedEvent, describeIssues } from './pact-model.js';
import { decryptSecret, encryptSecret, loadKey } from './secrets.js';
import * as store from './store.js';

export type Viewer = Principal | 'system';

export interface PactClientDeps {
  products: ProductService;
  /** Where the secret-encryption key file lives (default: GREENTRADE_DATA_DIR as the config reads it). */
  dataDir?: string;
  /** Timeouts, attempts and back-off for suppliers (default DEFAULT_RESILIENCE). */
  resilience?: Partial<Resilience>;
  /** Our own PACT base URL, the `source` of the requests we send (where answers should come). */
  publicPactUrl?: string;
  /** Tests: a fake network. */
  fetch?: typeof fetch;
}

const ADMIN: readonly Role[] = ['admin'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (d: Date | string | null) =>
  d === null ? null : (d instanceof Date ? d : new Date(d)).toISOString();
const nameOf = (v: Viewer) => (v === 'system' ? 'local operator' : v.name);

export interface ConnectionView {
  id: string;
  orgId: string;
  name: string;
  baseUrl: string;
  specVersion: 2 | 3;
  clientId: string;
  createdBy: string;
  createdAt: string;
  /** new: never pulled; ok: the last attempt worked; failing: since `failingSince`, with `lastError`. */
  status: 'new' | 'ok' | 'failing';
  failingSince: string | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  lastPulledAt: string | null;
  footprints: number;
}

export interface PulledView {
  connectionId: string;
  connectionName: string;
  pfId: string;
  specVersion: string;
  version: number | null;
  precedingPfIds: string[];
  status: string;
  productIds: string[];
  productName: string;
  companyName: string;
  pcfExcludingBiogenic: string;
  declaredAmount: string;
  declaredUnit: string;
  created: string;
  pulledAt: string;
}

export interface UpdateView {
  productId: string;
  productName: string;
  materialIndex: number;
  materialName: string;
  connectionId: string;
  linked: { pfId: string; version: number | null };
  newer: PulledView;
}

export interface PullResult {
  ok: boolean;
  pulled: number;
  /** Documents refused, with the fields at fault: not stored. */
  rejected: { index: number; pfId: string | null; error: string }[];
  error: string | null;
  connection: ConnectionView;
}

const connectionView = (r: store.ConnectionRow): ConnectionView => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  baseUrl: r.base_url,
  specVersion: r.spec_major === 2 ? 2 : 3,
  clientId: r.client_id,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  status: r.status,
  failingSince: iso(r.failing_since),
  lastError: r.last_error,
  lastAttemptAt: iso(r.last_attempt_at),
  lastPulledAt: iso(r.last_pulled_at),
  footprints: Number(r.footprints ?? 0),
});

const pulledView = (r: store.PulledRow): PulledView => ({
  connectionId: r.connection_id,
  connectionName: r.connection_name,
  pfId: r.pf_id,
  specVersion: r.spec_version,
  version: r.version,
  precedingPfIds: r.preceding_pf_ids as string[],
  status: r.status,
  productIds: r.product_ids as string[],
  productName: r.product_name,
  companyName: r.company_name,
  pcfExcludingBiogenic: r.pcf_excluding_biogenic,
  declaredAmount: r.declared_amount,
  declaredUnit: r.declared_unit,
  created: iso(r.created)!,
  pulledAt: iso(r.pulled_at)!,
});

/**
 * The PACT client: connections of an organisation to its suppliers' PACT hosts, pulling their
 * footprints (validated; refused documents named by field), requesting missing ones, receiving
 * published events, and using a pulled footprint as primary data in a product model, with
 * newer versions detected (v3: a footprint whose precedingPfIds names the linked one; v2: the
 * same id with a higher version) and applied by recalculating the product.
 */
export class PactClientService {
  private key: Buffer | undefined;
  private readonly clients = new Map<string, PactHttp>();
  private readonly pulling = new Set<string>();
  readonly resilience: Resilience;

  constructor(
    readonly db: Db,
    readonly deps: PactClientDeps,
  ) {
    this.resilience = { ...DEFAULT_RESILIENCE, ...deps.resilience };
  }

  private secretKey(): Buffer {
    this.key ??= loadKey(this.deps.dataDir ?? loadConfig().dataDir);
    return this.key;
  }

  // --- access ---

  private async orgId(org: string, viewer: Viewer, roles?: readonly Role[]): Promise<string> {
    const id = UUID_RE.test(org) ? org : await store.orgIdBySlug(this.db, org);
    if (!id || (viewer !== 'system' && !orgIdsOf(viewer).includes(id)))
      throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
    if (roles && viewer !== 'system' && !hasRoleIn(viewer, id, roles))
      throw new AppError(
        'forbidden',
        `org: connections are managed by the organisation's ${roles.join(' or ')}s`,
        {
          field: 'org',
        },
      );
    return id;
  }

  /** The organisations to list for: the one named, or all of the caller's. */
  private async orgIds(viewer: Viewer, org: string | undefined): Promise<string[]> {
    if (org !== undefined) return [await this.orgId(org, viewer)];
    if (viewer === 'system') return store.allOrgIdsWithConnections(this.db);
    return orgIdsOf(viewer);
  }

  private async connection(
    id: string,
    viewer: Viewer,
    roles?: readonly Role[],
  ): Promise<store.ConnectionRow> {
    const row = UUID_RE.test(id) ? await store.findConnection(this.db, id) : undefined;
    // Another organisation's connection is answered as unknown: not ours to reveal.
    if (!row || (viewer !== 'system' && !orgIdsOf(viewer).includes(row.org_id)))
      throw new AppError('not_found', `no connection ${id}`, { field: 'connectionId' });
    if (roles && viewer !== 'system' && !hasRoleIn(viewer, row.org_id, roles))
      throw new AppError('forbidden', `connections are used by the organisation's ${roles.join(' or ')}s`);
    return row;
  }

  private http(row: store.ConnectionRow): PactHttp {
    let c = this.clients.get(row.id);
    if (!c) {
      c = new PactHttp(
        {
          baseUrl: row.base_url,
          clientId: row.client_id,
          clientSecret: decryptSecret(this.secretKey(), row.id, row.secret_enc),
        },
        this.resilience,
        this.deps.fetch ?? fetch,
      );
      this.clients.set(row.id, c);
    }
    return c;
  }

  // --- connections ---

  async createConnection(
    input: {
      org?: string | undefined;
      name: string;
      baseUrl: string;
      clientId: string;
      clientSecret: string;
      specVersion?: 2 | 3 | undefined;
    },
    viewer: Viewer,
  ): Promise<ConnectionView> {
    let orgId: string;
    if (input.org !== undefined) orgId = await this.orgId(input.org, viewer, ADMIN);
    else if (viewer === 'system')
      throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
    else {
      const mine = [...new Set(viewer.memberships.filter((m) => m.role === 'admin').map((m) => m.orgId))];
      if (mine.length !== 1)
        throw new AppError(
          mine.length ? 'bad_request' : 'forbidden',
          mine.length
            ? 'org: you administer several organisations; name one'
            : "connections are made by an organisation's admins",
          { field: 'org' },
        );
      orgId = mine[0]!;
    }
    const url = parseBaseUrl(input.baseUrl);
    const id = randomUUID();
    try {
      await store.insertConnection(this.db, {
        id,
        orgId,
        name: input.name,
        baseUrl: url,
        specMajor: input.specVersion ?? 3,
        clientId: input.clientId,
        secretEnc: encryptSecret(this.secretKey(), id, input.clientSecret),
        createdBy: nameOf(viewer),
      });
    } catch (e) {
      if (/unique|duplicate/i.test((e as Error).message))
        throw new AppError('conflict', `name: the organisation has a connection named "${input.name}"`, {
          field: 'name',
        });
      throw e;
    }
    return connectionView((await store.findConnection(this.db, id))!);
  }

  async listConnections(viewer: Viewer, org?: string): Promise<ConnectionView[]> {
    return (await store.connectionsOf(this.db, await this.orgIds(viewer, org))).map(connectionView);
  }

  async getConnection(id: string, viewer: Viewer): Promise<ConnectionView> {
    return connectionView(await this.connection(id, viewer));
  }

  // --- pulling ---

  /**
   * Pulls every footprint the supplier shares (all pages). Valid documents are stored (raw and
   * validated fields); invalid ones are refused with the failing fields named. A supplier that is
   * down answers within the resilience limits and the connection's status says so.
   */
  async pull(connectionId: string, viewer: Viewer): Promise<PullResult> {
    const row = await this.connection(connectionId, viewer, ADMIN);
    if (this.pulling.has(row.id)) throw new AppError('conflict', 'this connection is being pulled already');
    this.pulling.add(row.id);
    try {
      const major = row.spec_major === 2 ? 2 : 3;
      let docs: unknown[];
      try {
        docs = await this.http(row).listAll(major);
      } catch (e) {
        const error = failure(e);
        await store.markFailing(this.db, row.id, error);
        return {
          ok: false,
          pulled: 0,
          rejected: [],
          error,
          connection: await this.getConnection(row.id, viewer),
        };
      }
      const rejected: PullResult['rejected'] = [];
      let pulled = 0;
      for (const [index, doc] of docs.entries()) {
        try {
          await store.upsertPulled(this.db, row.id, toPulled(doc, major, `data.${index}`));
          pulled++;
        } catch (e) {
          if (!isAppError(e)) throw e;
          const id = (doc as { id?: unknown })?.id;
          rejected.push({ index, pfId: typeof id === 'string' ? id.slice(0, 100) : null, error: e.message });
        }
      }
      await store.markOk(this.db, row.id, rejected.length ? `${rejected.length} document(s) refused` : null);
      return {
        ok: true,
        pulled,
        rejected,
        error: null,
        connection: await this.getConnection(row.id, viewer),
      };
    } finally {
      this.pulling.delete(row.id);
    }
  }

  /** GetFootprint for one id, stored when valid; undefined when the supplier does not have it. */
  async pullOne(connectionId: string, pfId: string, viewer: Viewer): Promise<PulledView | undefined> {
    const row = await this.connection(connectionId, viewer, ADMIN);
    if (!UUID_RE.test(pfId)) throw new AppError('validation_failed', 'pfId: a UUID', { field: 'pfId' });
    return this.fetchAndStore(row, pfId);
  }

  private async fetchAndStore(row: store.ConnectionRow, pfId: string): Promise<PulledView | undefined> {
    const major = row.spec_major === 2 ? 2 : 3;
    let doc: unknown;
    try {
      doc = await this.http(row).getOne(major, pfId);
    } catch (e) {
      await store.markFailing(this.db, row.id, failure(e));
      throw new AppError('conflict', `the supplier's host failed: ${failure(e)}`);
    }
    if (doc === undefined) return undefined;
    await store.upsertPulled(this.db, row.id, toPulled(doc, major, 'data'));
    return pulledView((await store.findPulled(this.db, row.id, pfId))!);
  }

  async listPulled(
    viewer: Viewer,
    filter: { connectionId?: string | undefined; org?: string | undefined } = {},
  ): Promise<PulledView[]> {
    if (filter.connectionId !== undefined) {
      const row = await this.connection(filter.connectionId, viewer);
      return (await store.pulledOf(this.db, { connectionIds: [row.id] })).map(pulledView);
    }
    return (await store.pulledOf(this.db, { orgIds: await this.orgIds(viewer, filter.org) })).map(pulledView);
  }

  // --- requests and events ---

  /** Asks the supplier for a footprint it has not shared yet: a RequestCreated CloudEvent. */
  async requestFootprint(
    connectionId: string,
    input: { productIds: string[]; comment?: string | undefined },
    viewer: Viewer,
  ): Promise<{ id: string; status: 'sent' | 'failed'; error: string | null }> {
    const row = await this.connection(connectionId, viewer, ADMIN);
    const id = randomUUID();
    const major = row.spec_major === 2 ? 2 : 3;
    const source = this.deps.publicPactUrl ?? `urn:greentrade:org:${row.org_id}`;
    const event =
      major === 3
        ? {
            specversion: '1.0',
            id,
            source,
            time: new Date().toISOString(),
            type: EVENT_TYPES_V3.created,
            data: { productId: input.productIds, ...(input.comment ? { comment: input.comment } : {}) },
          }
        : {
            specversion: '1.0',
            id,
            source,
            time: new Date().toISOString(),
            type: 'org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1',
            data: {
              pf: { productIds: input.productIds },
              ...(input.comment ? { comment: input.comment } : {}),
            },
          };
    let error: string | null = null;
    try {
      await this.http(row).postEvent(major, event);
    } catch (e) {
      error = failure(e);
      if (e instanceof SupplierError && e.retryable) await store.markFailing(this.db, row.id, error);
    }
    await store.insertRequest(this.db, {
      id,
      connectionId: row.id,
      productIds: input.productIds,
      comment: input.comment ?? null,
      status: error ? 'failed' : 'sent',
      error,
      createdBy: nameOf(viewer),
    });
    return { id, status: error ? 'failed' : 'sent', error };
  }

  /**
   * The host's hook: a supplier told `recipientOrgId` that footprints were published. Fetches each
   * named footprint through the organisation's connections (those whose base URL shares the
   * event's source origin first) and stores the valid ones. Never throws for a supplier's fault.
   */
  async onPublishedEvent(
    recipientOrgId: string,
    event: unknown,
  ): Promise<{ stored: string[]; notFound: string[]; errors: string[] }> {
    const parsed = PublishedEvent.safeParse(event);
    if (!parsed.success) throw new AppError('validation_failed', `event: ${describeIssues(parsed.error)}`);
    const conns = await store.connectionRowsOf(this.db, [recipientOrgId]);
    const origin = safeOrigin(parsed.data.source);
    conns.sort(
      (a, b) => Number(safeOrigin(b.base_url) === origin) - Number(safeOrigin(a.base_url) === origin),
    );
    const out = { stored: [] as string[], notFound: [] as string[], errors: [] as string[] };
    for (const pfId of parsed.data.data.pfIds) {
      let found = false;
      for (const c of conns) {
        try {
          if (await this.fetchAndStore(c, pfId)) {
            out.stored.push(pfId);
            found = true;
            break;
          }
        } catch (e) {
          out.errors.push(`${c.name}: ${pfId}: ${(e as Error).message}`);
        }
      }
      if (!found) out.notFound.push(pfId);
    }
    return out;
  }

  /**
   * The host's hook: a supplier answered a request we sent (RequestFulfilled / RequestRejected).
   * The request must be ours (its id, a connection of `recipientOrgId`); the footprints a fulfilled
   * event carries are validated and stored as if pulled; invalid ones are named in `errors`.
   */
  async onRequestAnswered(
    recipientOrgId: string,
    event: unknown,
  ): Promise<{ request: string | null; stored: string[]; errors: string[] }> {
    const ev = event as {
      type?: unknown;
      data?: { requestEventId?: unknown; pfs?: unknown; error?: unknown };
    };
    const requestId = typeof ev?.data?.requestEventId === 'string' ? ev.data.requestEventId : '';
    const req = UUID_RE.test(requestId) ? await store.findRequest(this.db, requestId) : undefined;
    const conn = req ? await store.findConnection(this.db, req.connection_id) : undefined;
    if (!req || !conn || conn.org_id !== recipientOrgId)
      return { request: null, stored: [], errors: ['unknown request'] };
    const fulfilled = typeof ev.type === 'string' && /Fulfilled/.test(ev.type);
    const out = { request: req.id, stored: [] as string[], errors: [] as string[] };
    if (fulfilled && Array.isArray(ev.data?.pfs)) {
      for (const [i, doc] of ev.data.pfs.slice(0, 1000).entries()) {
        try {
          const p = toPulled(doc, conn.spec_major === 2 ? 2 : 3, `data.pfs.${i}`);
          await store.upsertPulled(this.db, conn.id, p);
          out.stored.push(p.pfId);
        } catch (e) {
          out.errors.push((e as Error).message);
        }
      }
    }
    const error = fulfilled ? null : JSON.stringify(ev.data?.error ?? null).slice(0, 500);
    await store.answerRequest(this.db, req.id, fulfilled ? 'fulfilled' : 'rejected', error);
    return out;
  }

  /**
   * Credentials `orgId` holds for a PACT host at `origin` (its connection there), so that the
   * host side can authenticate the answers it sends to that organisation's customers' hosts.
   * Only the organisation's own connections: one organisation's credentials never serve another.
   */
  async credentialsForOrigin(
    origin: string,
    orgId: string,
  ): Promise<{ clientId: string; clientSecret: string } | null> {
    const row = (await store.connectionRowsOf(this.db, [orgId])).find(
      (c) => safeOrigin(c.base_url) === origin,
    );
    if (!row) return null;
    return { clientId: row.client_id, clientSecret: decryptSecret(this.secretKey(), row.id, row.secret_enc) };
  }

  // --- product models ---

  /** Uses a pulled footprint as primary data for material `materialIndex` of a product model. */
  async link(
    input: { productId: string; materialIndex: number; connectionId: string; pfId: string },
    viewer: Viewer,
  ): Promise<{ productId: string; productVersion: number }> {
    const product = await this.deps.products.getProduct(input.productId, viewer);
    const conn = await this.connection(input.connectionId, viewer);
    if (conn.org_id !== product.org.id)
      throw new AppError(
        'not_found',
        `connectionId: no connection ${input.connectionId} of the product's organisation`,
        {
          field: 'connectionId',
        },
      );
    const row = await store.findPulled(this.db, conn.id, input.pfId);
    if (!row)
      throw new AppError(
        'not_found',
        `pfId: footprint ${input.pfId} was not pulled through this connection`,
        { field: 'pfId' },
      );
    const materials = [...product.model.materials];
    const m = materials[input.materialIndex];
    if (!m)
      throw new AppError('bad_request', `materialIndex: the model has ${materials.length} material(s)`, {
        field: 'materialIndex',
      });
    const pulled = toPulled(row.raw, conn.spec_major === 2 ? 2 : 3);
    const { factor: _factor, supplierFootprint: _old, ...rest } = m;
    materials[input.materialIndex] = {
      ...rest,
      supplierFootprint: {
        ...(usableFigures(pulled) as object),
        source: {
          supplier: `${conn.name}`.slice(0, 200),
          footprintId: pulled.pfId,
          version: pulled.version !== null ? String(pulled.version) : pulled.created.slice(0, 50),
        },
      },
    } as (typeof materials)[number];
    const model = { ...product.model, materials };
    // Refused here, naming the field, rather than when a footprint is recorded later.
    await this.deps.products.calculate(model, viewer);
    const saved = await this.deps.products.updateProduct(
      input.productId,
      { model, expectedVersion: product.version },
      viewer,
    );
    await store.upsertLink(this.db, {
      productId: product.id,
      materialIndex: input.materialIndex,
      connectionId: conn.id,
      pfId: pulled.pfId,
      version: pulled.version,
    });
    return { productId: saved.id, productVersion: saved.version };
  }

  /** Product models whose linked footprint has a newer version pulled. */
  async updatesAvailable(viewer: Viewer, org?: string): Promise<UpdateView[]> {
    const links = await store.linksOf(this.db, await this.orgIds(viewer, org));
    const out: UpdateView[] = [];
    const byConn = new Map<string, store.PulledRow[]>();
    for (const l of links) {
      if (!byConn.has(l.connection_id))
        byConn.set(l.connection_id, await store.pulledOf(this.db, { connectionIds: [l.connection_id] }));
      const newer = newestSuccessor(byConn.get(l.connection_id)!, l.pf_id, l.version);
      if (!newer) continue;
      const materials =
        (
          l.model as {
            materials?: { name?: string; supplierFootprint?: { source?: { footprintId?: string } } }[];
          }
        ).materials ?? [];
      // A model edited since (materials moved, the footprint replaced by hand) no longer uses the link.
      if (materials[l.material_index]?.supplierFootprint?.source?.footprintId !== l.pf_id) continue;
      out.push({
        productId: l.product_id,
        productName: l.product_name,
        materialIndex: l.material_index,
        materialName: materials[l.material_index]?.name ?? '',
        connectionId: l.connection_id,
        linked: { pfId: l.pf_id, version: l.version },
        newer: pulledView(newer),
      });
    }
    return out;
  }

  /** Moves a material to the newer footprint's figures and records a new footprint of the product. */
  async applyUpdate(
    input: { productId: string; materialIndex: number },
    viewer: Viewer,
  ): Promise<{ productVersion: number; footprintId: string; total: string; pfId: string }> {
    const product = await this.deps.products.getProduct(input.productId, viewer);
    const update = (await this.updatesAvailable(viewer, product.org.id)).find(
      (u) => u.productId === product.id && u.materialIndex === input.materialIndex,
    );
    if (!update)
      throw new AppError('not_found', 'no newer footprint for this material', { field: 'materialIndex' });
    const linked = await this.link(
      {
        productId: product.id,
        materialIndex: input.materialIndex,
        connectionId: update.connectionId,
        pfId: update.newer.pfId,
      },
      viewer,
    );
    const fp = await this.deps.products.recordFootprint(product.id, viewer);
    return {
      productVersion: linked.productVersion,
      footprintId: fp.id,
      total: fp.total,
      pfId: update.newer.pfId,
    };
  }
}

/** v3: follow footprints naming the linked one in precedingPfIds, to the newest; v2: a higher version. */
export function newestSuccessor(
  rows: store.PulledRow[],
  pfId: string,
  version: number | null,
): store.PulledRow | undefined {
  const same = rows.find((r) => r.pf_id === pfId);
  if (version !== null && same && same.version !== null && same.version > version) return same;
  let current = pfId;
  let found: store.PulledRow | undefined;
  const seen = new Set([pfId]);
  for (let step = 0; step < 100; step++) {
    const next = rows
      .filter((r) => !seen.has(r.pf_id) && (r.preceding_pf_ids as string[]).includes(current))
      .sort((a, b) => new Date(b.created).getTime() - new Date(a.created).getTime())[0];
    if (!next) break;
    found = next;
    current = next.pf_id;
    seen.add(current);
  }
  return found;
}

function parseBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new AppError('validation_failed', 'baseUrl: not a URL', { field: 'baseUrl' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AppError('validation_failed', 'baseUrl: http or https only', { field: 'baseUrl' });
  if (url.username || url.password || url.search || url.hash)
    throw new AppError('validation_failed', 'baseUrl: no credentials, query or fragment', {
      field: 'baseUrl',
    });
  return url.href.replace(/\/+$/, '');
}

const safeOrigin = (u: string | undefined) => {
  try {
    return u ? new URL(u).origin : undefined;
  } catch {
    return undefined;
  }
};

const failure = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 500);

export type { Pulled, Queryable };
