import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../kernel/access.js';
import { AppError } from '../../kernel/errors.js';
import { REFERENCE_ORG } from '../classification/index.js';
import type { ProductService } from '../footprint/index.js';
import type { IdentityService } from '../identity/index.js';
import { identityAdmin } from '../identity/index.js';
import { cpcOf, toPactV2, toPactV3, type RecordedFootprint } from './mapping.js';
import {
  EVENT_TYPES_V2,
  EVENT_TYPES_V3,
  ProductFootprintV2,
  ProductFootprintV3,
  PublishOptions,
  type CloudEvent,
} from './model.js';
import { deliverEvent, type Credentials, type Delivery } from './deliver.js';
import * as store from './store.js';

/** A signed-in caller, or the local operator (CLI). */
export type Viewer = Principal | 'system';
export type Spec = '2' | '3';

/** Publishing, deprecating and sharing are for an organisation's admins (and the CLI operator). */
const OWNER_ROLES: readonly Role[] = ['admin'];
const READ_ROLES: readonly Role[] = ['admin', 'member'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PublicationView {
  id: string;
  org: { id: string; slug: string; name: string };
  footprintId: string;
  productId: string;
  productName: string;
  status: 'Active' | 'Deprecated';
  statusComment: string | null;
  version: number;
  precedingPfIds: string[];
  pcfExcludingBiogenicUptake: string;
  declaredUnit: string;
  validityPeriodStart: string;
  validityPeriodEnd: string;
  v2Available: boolean;
  sharedWith: { org: string; name: string; scope: 'all' | 'selected' }[];
  publishedBy: string;
  created: string;
  updated: string;
}

export interface AgreementView {
  id: string;
  owner: { id: string; slug: string; name: string };
  recipient: { id: string; slug: string; name: string };
  scope: 'all' | 'selected';
  publications: string[];
  createdBy: string;
  createdAt: string;
  endedAt: string | null;
}

export interface AccessView {
  id: string;
  recipient: { id: string; slug: string; name: string };
  clientId: string;
  publicationId: string;
  productName: string | null;
  action: string;
  spec: string;
  at: string;
}

export interface RequestView {
  id: string;
  recipient: { id: string; slug: string; name: string };
  spec: Spec;
  requestEventId: string;
  source: string;
  criteria: unknown;
  comment: string | null;
  status: 'Pending' | 'Fulfilled' | 'Rejected';
  publicationIds: string[];
  answeredBy: string | null;
  answeredAt: string | null;
  /** How sending the answer went (null: not sent by us). */
  delivery: Delivery | null;
  createdAt: string;
}

/** A CloudEvents 1.0 envelope from this host. */
const hostEvent = (type: string, data: Record<string, unknown>): CloudEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/pact',
  time: new Date().toISOString(),
  type,
  data,
});

/** An event to send back to a data recipient, and where (the client side sends it). */
export interface OutboundEvent {
  /** The `source` of the request: the conformance service and most hosts take it as their base URL. */
  replyTo: string;
  /** `${replyTo}/{2|3}/events`. */
  url: string;
  spec: Spec;
  event: CloudEvent;
}

export interface PublishableView {
  footprintId: string;
  productId: string;
  productName: string;
  org: string;
  declaredUnit: string;
  total: string;
  recordedAt: string;
  publications: { id: string; status: 'Active' | 'Deprecated' }[];
}

/** The machine caller of /pact, once its token is checked. */
export interface PactCaller {
  clientId: string;
  orgId: string;
}

export interface PactHostHooks {
  /** A data owner told us it published footprints: the client side may pull them. */
  onPublishedEvent?: (recipientOrgId: string, event: CloudEvent, spec: Spec) => Promise<void> | void;
  /** A data recipient asked for a footprint (RequestCreated): the lead may auto-answer it. */
  onRequestCreated?: (request: RequestView, ownerOrgId: string) => Promise<void> | void;
  /** A data owner answered a request we made (RequestFulfilled / RequestRejected). */
  onRequestAnswered?: (recipientOrgId: string, event: CloudEvent, spec: Spec) => Promise<void> | void;
  /** After a publication: notify the recipients who have an events URL (out of scope here). */
  onPublished?: (publication: PublicationView, event: CloudEvent) => Promise<void> | void;
  /** Credentials for a recipient's PACT host (by origin), to authenticate answers we send it. */
  /** Credentials at the requester's host (`origin`) of the organisation answering (`ownerOrgId`). */
  callbackCredentials?: (
    origin: string,
    ownerOrgId: string,
  ) => Promise<Credentials | null> | Credentials | null;
  /** Something went wrong in background work (answering a request): for the log. */
  onBackgroundError?: (error: unknown) => void;
}

export interface PactHostOptions {
  /**
   * Answer RequestCreated events at once from what is published (default true): footprints
   * already shared with the requester that match fulfil it; when nothing of the owner matches,
   * it is rejected; matching footprints not shared with the requester leave it to the owner.
   */
  autoAnswer?: boolean;
  deliver?: typeof deliverEvent;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const viewerName = (v: Viewer) => (v === 'system' ? 'local operator' : v.name);

/** The document as served: the immutable published document with the live status laid over it. */
export function servedV3(row: store.PublicationRow): ProductFootprintV3 {
  const doc = row.doc_v3 as ProductFootprintV3;
  return { ...doc, status: row.status };
}
export function servedV2(row: store.PublicationRow): ProductFootprintV2 | null {
  if (row.doc_v2 === null) return null;
  const doc = row.doc_v2 as ProductFootprintV2;
  const changed = row.version > 1;
  return {
    ...doc,
    version: row.version,
    status: row.status,
    ...(row.status_comment ? { statusComment: row.status_comment } : {}),
    ...(changed ? { updated: iso(row.updated_at).replace(/\.\d{3}Z$/, 'Z') } : {}),
  };
}

/**
 * The PACT host: publishing footprints (owner side, over GreenTrade's own auth), agreements,
 * and the PACT actions for machine clients (list, get, events), which see what their
 * organisation's agreements let them see.
 */
export class PactHostService {
  hooks: PactHostHooks;
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    readonly db: Db,
    readonly deps: { identity: IdentityService; products: ProductService },
    hooks: PactHostHooks = {},
    readonly options: PactHostOptions = {},
  ) {
    this.hooks = hooks;
  }

  /** Waits for background work (automatic answers) to finish: tests, and a clean shutdown. */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private inBackground(work: () => Promise<unknown>): void {
    const p = work()
      .catch((e: unknown) => this.hooks.onBackgroundError?.(e))
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  /** Sends an answer to the requester's host and records how it went on the request. */
  async send(requestId: string, out: OutboundEvent): Promise<Delivery> {
    const credentials = this.hooks.callbackCredentials;
    const request = credentials ? await store.findRequest(this.db, requestId) : undefined;
    const delivery = await (this.options.deliver ?? deliverEvent)(out, {
      ...(credentials && request
        ? { credentialsFor: (origin: string) => credentials(origin, request.owner_org) }
        : {}),
    });
    await store.setDelivery(this.db, requestId, delivery);
    return delivery;
  }

  // ------------------------------------------------------------ who may do what

  private async orgRef(ref: string, field: string): Promise<{ id: string; slug: string; name: string }> {
    const org = UUID_RE.test(ref) ? await store.orgById(this.db, ref) : await store.orgBySlug(this.db, ref);
    if (!org) throw new AppError('not_found', `${field}: no organisation "${ref}"`, { field });
    return org;
  }

  /** The organisation the viewer acts for as owner: the one named, or its only admin one. */
  private async ownerOrg(
    viewer: Viewer,
    org: string | undefined,
  ): Promise<{ id: string; slug: string; name: string }> {
    if (org !== undefined) {
      const o = await this.orgRef(org, 'org');
      if (viewer !== 'system' && !orgIdsOf(viewer).includes(o.id))
        throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
      if (viewer !== 'system' && !hasRoleIn(viewer, o.id, OWNER_ROLES))
        throw new AppError(
          'forbidden',
          `org: PACT publishing and sharing are for the organisation's admins`,
          {
            field: 'org',
          },
        );
      return o;
    }
    if (viewer === 'system')
      throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
    const mine = [
      ...new Set(viewer.memberships.filter((m) => OWNER_ROLES.includes(m.role)).map((m) => m.orgId)),
    ];
    if (mine.length !== 1)
      throw new AppError(
        mine.length === 0 ? 'forbidden' : 'bad_request',
        mine.length === 0
          ? 'PACT publishing and sharing are for an organisation admin'
          : 'org: you are admin of several organisations; name one',
        { field: 'org' },
      );
    return (await store.orgById(this.db, mine[0]!))!;
  }

  /** Organisations whose publications the viewer may read (admins and members). */
  private async readableOrgs(viewer: Viewer, org: string | undefined): Promise<string[]> {
    if (org !== undefined) {
      const o = await this.orgRef(org, 'org');
      if (viewer !== 'system' && !hasRoleIn(viewer, o.id, READ_ROLES))
        throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
      return [o.id];
    }
    if (viewer === 'system')
      throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
    return [...new Set(viewer.memberships.filter((m) => READ_ROLES.includes(m.role)).map((m) => m.orgId))];
  }

  // ------------------------------------------------------------ publishing

  /**
   * Publishes a recorded footprint as a PACT ProductFootprint (v3, and v2.3 where it can be
   * expressed). A product published before gets a new id; the earlier ids become its
   * `precedingPfIds` and the earlier Active publications are deprecated (PACT: only the latest
   * version is Active). Recipients who had an earlier version in a selected-footprints agreement
   * get the new one too, so that the chain does not break for them. A footprint that is already
   * published (Active) is not published twice: naming customers in `to` shares it with them.
   */
  async publish(footprintId: string, input: unknown, viewer: Viewer): Promise<PublicationView> {
    const parsed = PublishOptions.safeParse(input ?? {});
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      const field = i.path.join('.') || 'options';
      throw new AppError('validation_failed', `${field}: ${i.message}`, { field });
    }
    const opts = parsed.data;
    if (!UUID_RE.test(footprintId))
      throw new AppError('not_found', `footprintId: no footprint ${footprintId}`, { field: 'footprintId' });
    const fp = await this.deps.products.getFootprint(footprintId, viewer);
    const owner = await this.ownerOrg(viewer, fp.orgId);
    const recipients: { id: string; slug: string; name: string }[] = [];
    for (const to of opts.to ?? []) {
      const r = await this.orgRef(to, 'to');
      if (r.id === owner.id)
        throw new AppError('bad_request', `to: ${to} is the owner itself`, { field: 'to' });
      recipients.push(r);
    }
    // The same footprint twice would be two versions with one content: publish to more customers
    // by sharing the publication there is; a new version comes from a new recorded footprint.
    const current = (
      await this.db.query<{ id: string }>(
        `SELECT id FROM pact_publication WHERE footprint_id = $1 AND status = 'Active' ORDER BY seq DESC LIMIT 1`,
        [fp.id],
      )
    )[0];
    if (current) {
      if (recipients.length === 0)
        throw new AppError(
          'conflict',
          `footprintId: already published as ${current.id}; name customers in "to" to share it`,
          {
            field: 'footprintId',
          },
        );
      await this.db.transaction(async (tx) => {
        for (const r of recipients)
          await this.shareWith(tx, owner.id, r.id, [current.id], viewerName(viewer));
      });
      return this.publicationView(this.db, current.id);
    }
    const id = randomUUID();
    const published = hostEvent(EVENT_TYPES_V3.published, { pfIds: [id] });
    // Whole seconds: `created` is compared as a string by v2 $filter clients; one format throughout.
    const created = new Date(Math.floor(Date.now() / 1000) * 1000);
    return this.db
      .transaction(async (tx) => {
        // Serialise publications of one product: the chain must not fork.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pact:${fp.productId}`]);
        const earlier = await store.publicationsOfProduct(tx, fp.productId);
        const preceding = earlier.map((e) => e.id);
        const v3 = toPactV3(
          fp as RecordedFootprint,
          { id, created, precedingPfIds: preceding, org: owner },
          opts,
        );
        const v2 = toPactV2(v3, fp as RecordedFootprint, cpcOf(opts.classifications));
        // What we publish must be what the specification defines: checked before it is stored.
        const c3 = ProductFootprintV3.safeParse(v3);
        if (!c3.success)
          throw new AppError(
            'internal',
            `PACT v3 document invalid: ${c3.error.issues[0]?.path.join('.')}: ${c3.error.issues[0]?.message}`,
          );
        if (v2) {
          const c2 = ProductFootprintV2.safeParse(v2);
          if (!c2.success)
            throw new AppError(
              'internal',
              `PACT v2.3 document invalid: ${c2.error.issues[0]?.path.join('.')}: ${c2.error.issues[0]?.message}`,
            );
        }
        await store.insertPublication(tx, {
          id,
          orgId: owner.id,
          footprintId: fp.id,
          productId: fp.productId,
          precedingIds: preceding,
          docV3: v3,
          docV2: v2,
          productIds: v3.productIds,
          companyIds: v3.companyIds,
          classifications: v3.productClassifications ?? [],
          geography: [
            v3.pcf.geographyCountry,
            v3.pcf.geographyCountrySubdivision,
            v3.pcf.geographyRegionOrSubregion,
          ].filter((g): g is string => g !== undefined),
          validityStart: v3.validityPeriodStart!,
          validityEnd: v3.validityPeriodEnd!,
          publishedBy: viewerName(viewer),
          createdAt: created,
        });
        for (const e of earlier)
          if (e.status === 'Active')
            await store.setStatus(tx, e.id, 'Deprecated', `Superseded by ${id}`, created);
        for (const agreementId of await store.agreementsSharing(tx, preceding))
          await store.shareSelected(tx, agreementId, [id]);
        for (const r of recipients) await this.shareWith(tx, owner.id, r.id, [id], viewerName(viewer));
        // The PublishedEvent recipients are owed (v3 PublishedEvent), recorded for whoever delivers it.
        await store.insertEvent(tx, {
          spec: '3',
          eventId: published.id,
          source: published.source,
          type: published.type,
          senderOrg: owner.id,
          clientId: '(host)',
          event: published,
          direction: 'out',
        });
        return this.publicationView(tx, id);
      })
      .then(async (view) => {
        await this.hooks.onPublished?.(view, published);
        return view;
      });
  }

  /** Adds publications to the owner→recipient agreement, making a selected one if there is none. */
  private async shareWith(
    tx: Queryable,
    owner: string,
    recipient: string,
    publicationIds: string[],
    by: string,
  ) {
    const existing = await store.liveAgreement(tx, owner, recipient, true);
    const agreementId =
      existing?.id ??
      (await store.insertAgreement(tx, { owner, recipient, scope: 'selected', createdBy: by }));
    if (existing?.scope !== 'all') await store.shareSelected(tx, agreementId, publicationIds);
    return agreementId;
  }

  private async publicationView(db: Queryable, id: string): Promise<PublicationView> {
    const row = await store.findPublication(db, id);
    if (!row) throw new AppError('not_found', `no publication ${id}`);
    const shares = await db.query<{ slug: string; name: string; scope: 'all' | 'selected' }>(
      `SELECT o.slug, o.name, a.scope FROM pact_agreement a JOIN organisation o ON o.id = a.recipient_org
       WHERE a.owner_org = $1 AND a.ended_at IS NULL
         AND (a.scope = 'all' OR EXISTS (SELECT 1 FROM pact_agreement_footprint af WHERE af.agreement_id = a.id AND af.publication_id = $2))
       ORDER BY o.slug`,
      [row.org_id, id],
    );
    return this.toView(
      row,
      shares.map((s) => ({ org: s.slug, name: s.name, scope: s.scope })),
    );
  }

  private toView(row: store.PublicationRow, sharedWith: PublicationView['sharedWith']): PublicationView {
    const doc = row.doc_v3 as ProductFootprintV3;
    return {
      id: row.id,
      org: { id: row.org_id, slug: row.org_slug, name: row.org_name },
      footprintId: row.footprint_id,
      productId: row.product_id,
      productName: doc.productNameCompany,
      status: row.status,
      statusComment: row.status_comment,
      version: row.version,
      precedingPfIds: row.preceding_ids,
      pcfExcludingBiogenicUptake: doc.pcf.pcfExcludingBiogenicUptake,
      declaredUnit: `${doc.pcf.declaredUnitAmount} ${doc.pcf.declaredUnitOfMeasurement}`,
      validityPeriodStart: iso(row.validity_start),
      validityPeriodEnd: iso(row.validity_end),
      v2Available: row.doc_v2 !== null,
      sharedWith,
      publishedBy: row.published_by,
      created: iso(row.created_at),
      updated: iso(row.updated_at),
    };
  }

  async publications(viewer: Viewer, org?: string): Promise<PublicationView[]> {
    const orgIds = await this.readableOrgs(viewer, org);
    const rows = await store.publicationsOf(this.db, orgIds, 500);
    const out: PublicationView[] = [];
    for (const r of rows) out.push(await this.publicationView(this.db, r.id));
    return out;
  }

  async publication(
    id: string,
    viewer: Viewer,
  ): Promise<PublicationView & { document: ProductFootprintV3; documentV2: ProductFootprintV2 | null }> {
    const row = UUID_RE.test(id) ? await store.findPublication(this.db, id) : undefined;
    if (!row || (viewer !== 'system' && !hasRoleIn(viewer, row.org_id, READ_ROLES)))
      throw new AppError('not_found', `no publication ${id}`);
    return {
      ...(await this.publicationView(this.db, id)),
      document: servedV3(row),
      documentV2: servedV2(row),
    };
  }

  /** Marks a publication Deprecated (v2: version + 1, `updated` set, the reason as statusComment). */
  async deprecate(id: string, reason: string | undefined, viewer: Viewer): Promise<PublicationView> {
    const row = UUID_RE.test(id) ? await store.findPublication(this.db, id) : undefined;
    if (!row || (viewer !== 'system' && !orgIdsOf(viewer).includes(row.org_id)))
      throw new AppError('not_found', `no publication ${id}`);
    await this.ownerOrg(viewer, row.org_id);
    if (row.status === 'Deprecated')
      throw new AppError('conflict', `publication ${id} is already deprecated`);
    await store.setStatus(
      this.db,
      id,
      'Deprecated',
      reason?.trim() || 'Deprecated by the data owner',
      new Date(),
    );
    return this.publicationView(this.db, id);
  }

  // ------------------------------------------------------------ agreements

  async agreements(viewer: Viewer, org?: string, includeEnded = false): Promise<AgreementView[]> {
    const orgIds = await this.readableOrgs(viewer, org);
    return (await store.agreementsOf(this.db, orgIds, includeEnded)).map(agreementView);
  }

  /**
   * Shares the owner's publications with a recipient: all of them (now and later), or the
   * selected ones. An existing live agreement is widened or extended, never duplicated.
   */
  async share(
    input: {
      org?: string | undefined;
      recipient: string;
      scope: 'all' | 'selected';
      publications?: string[] | undefined;
    },
    viewer: Viewer,
  ): Promise<AgreementView> {
    const owner = await this.ownerOrg(viewer, input.org);
    const recipient = await this.orgRef(input.recipient, 'recipient');
    if (recipient.id === owner.id)
      throw new AppError('bad_request', 'recipient: an organisation does not share with itself', {
        field: 'recipient',
      });
    const pubs = input.publications ?? [];
    for (const [i, p] of pubs.entries()) {
      const row = UUID_RE.test(p) ? await store.findPublication(this.db, p) : undefined;
      if (!row || row.org_id !== owner.id)
        throw new AppError('not_found', `publications.${i}: no publication ${p} of ${owner.slug}`, {
          field: `publications.${i}`,
        });
    }
    if (input.scope === 'selected' && pubs.length === 0)
      throw new AppError(
        'bad_request',
        'publications: name at least one for a selected-footprints agreement',
        {
          field: 'publications',
        },
      );
    const id = await this.db.transaction(async (tx) => {
      const existing = await store.liveAgreement(tx, owner.id, recipient.id, true);
      if (existing) {
        if (input.scope === 'all' && existing.scope !== 'all')
          await store.setAgreementScope(tx, existing.id, 'all');
        if (existing.scope !== 'all' || input.scope !== 'all')
          await store.shareSelected(tx, existing.id, pubs);
        return existing.id;
      }
      const created = await store.insertAgreement(tx, {
        owner: owner.id,
        recipient: recipient.id,
        scope: input.scope,
        createdBy: viewerName(viewer),
      });
      await store.shareSelected(tx, created, pubs);
      return created;
    });
    return agreementView((await store.findAgreement(this.db, id))!);
  }

  async endAgreement(id: string, viewer: Viewer): Promise<AgreementView> {
    const a = UUID_RE.test(id) ? await store.findAgreement(this.db, id) : undefined;
    if (!a || (viewer !== 'system' && !orgIdsOf(viewer).includes(a.owner_org)))
      throw new AppError('not_found', `no agreement ${id}`);
    await this.ownerOrg(viewer, a.owner_org);
    await store.endAgreement(this.db, id);
    return agreementView((await store.findAgreement(this.db, id))!);
  }

  /**
   * The newest recorded footprint of each product of the viewer's organisations, with its
   * publications: what the web page offers to publish.
   */
  async publishable(viewer: Viewer, org?: string): Promise<PublishableView[]> {
    const orgIds = await this.readableOrgs(viewer, org);
    const out: PublishableView[] = [];
    for (const orgId of orgIds) {
      for (const p of await this.deps.products.listProducts(viewer, orgId)) {
        const detail = await this.deps.products.getProduct(p.id, viewer);
        const newest = detail.history[0];
        if (!newest) continue;
        const pubs = await this.db.query<{ id: string; status: 'Active' | 'Deprecated' }>(
          `SELECT id, status FROM pact_publication WHERE footprint_id = $1 ORDER BY seq`,
          [newest.id],
        );
        out.push({
          footprintId: newest.id,
          productId: p.id,
          productName: p.name,
          org: p.org.slug,
          // A recorded result is per ONE unit of the declared unit (perUnit `1 t`).
          declaredUnit: `1 ${p.model.declaredUnit.unit}`,
          total: newest.total,
          recordedAt: newest.createdAt,
          publications: pubs,
        });
      }
    }
    return out;
  }

  /** Organisations one may publish to: every organisation but the viewer's own, those already shared with first. */
  async recipients(viewer: Viewer, org?: string): Promise<{ id: string; slug: string; name: string }[]> {
    const own = await this.readableOrgs(viewer, org);
    return this.db.query<{ id: string; slug: string; name: string }>(
      `SELECT o.id, o.slug, o.name FROM organisation o
       WHERE NOT (o.id = ANY($1::uuid[])) AND o.slug <> $2
       ORDER BY EXISTS (SELECT 1 FROM pact_agreement a WHERE a.owner_org = ANY($1::uuid[]) AND a.recipient_org = o.id AND a.ended_at IS NULL) DESC, o.slug
       LIMIT 500`,
      [own, REFERENCE_ORG.slug],
    );
  }

  async accessLog(viewer: Viewer, org?: string, limit = 200, publicationId?: string): Promise<AccessView[]> {
    const orgIds = await this.readableOrgs(viewer, org);
    const rows = await store.accessLog(this.db, orgIds, Math.min(Math.max(limit, 1), 1000), publicationId);
    return rows.map((r) => ({
      id: String(r.id),
      recipient: { id: r.recipient_org, slug: r.recipient_slug, name: r.recipient_name },
      clientId: r.client_id,
      publicationId: r.publication_id,
      productName: r.product_name,
      action: r.action,
      spec: r.spec,
      at: iso(r.at),
    }));
  }

  /**
   * `pact client create`: an organisation for the data recipient (or the one named), an API
   * client in it, and an agreement by which `org` shares all its published footprints with it.
   */
  async createRecipientClient(input: {
    org: string;
    recipient?: string | undefined;
    clientId?: string | undefined;
  }): Promise<{
    client_id: string;
    client_secret: string;
    recipient: { id: string; slug: string };
    owner: { id: string; slug: string };
    agreement: string;
  }> {
    const owner = await this.orgRef(input.org, 'org');
    const suffix = randomUUID().slice(0, 8);
    const recipientSlug = input.recipient ?? `pact-recipient-${suffix}`;
    return this.db.transaction(async (tx) => {
      const existing = await store.orgBySlug(tx, recipientSlug);
      const recipientId =
        existing?.id ??
        (await identityAdmin.ensureOrg(tx, recipientSlug, `PACT data recipient ${recipientSlug}`));
      if (recipientId === owner.id)
        throw new AppError('bad_request', 'recipient: must differ from org', { field: 'recipient' });
      const clientId = input.clientId ?? `pact-client-${suffix}`;
      const secret = await identityAdmin.createClient(tx, {
        clientId,
        name: `PACT client of ${recipientSlug}`,
        orgId: recipientId,
        roles: ['member'],
      });
      const live = await store.liveAgreement(tx, owner.id, recipientId, true);
      let agreement = live?.id;
      if (live && live.scope !== 'all') await store.setAgreementScope(tx, live.id, 'all');
      if (!agreement)
        agreement = await store.insertAgreement(tx, {
          owner: owner.id,
          recipient: recipientId,
          scope: 'all',
          createdBy: 'local operator',
        });
      return {
        client_id: clientId,
        client_secret: secret,
        recipient: { id: recipientId, slug: recipientSlug },
        owner: { id: owner.id, slug: owner.slug },
        agreement,
      };
    });
  }

  // ------------------------------------------------------------ the PACT actions

  async list(
    caller: PactCaller,
    spec: Spec,
    filter: store.ListFilter,
    offset: number,
    limit: number,
  ): Promise<{ data: (ProductFootprintV3 | ProductFootprintV2)[]; more: boolean }> {
    // One row more than asked tells whether there is a next page.
    const rows = await store.visiblePublications(
      this.db,
      caller.orgId,
      { ...filter, v2Only: spec === '2' },
      offset,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    await store.logAccess(
      this.db,
      page.map((r) => ({
        owner: r.org_id,
        recipient: caller.orgId,
        clientId: caller.clientId,
        publicationId: r.id,
      })),
      'list',
      spec,
    );
    const data = page.map((r) => (spec === '3' ? servedV3(r) : servedV2(r)!));
    return { data, more: rows.length > limit };
  }

  /** GetFootprint: unknown → null (404); known but not shared → 'denied' (403, as the spec says). */
  async get(
    caller: PactCaller,
    spec: Spec,
    id: string,
  ): Promise<ProductFootprintV3 | ProductFootprintV2 | null | 'denied'> {
    if (!UUID_RE.test(id)) return null;
    const row = await store.findPublication(this.db, id);
    if (!row || (spec === '2' && row.doc_v2 === null)) return null;
    if (!(await store.isVisible(this.db, caller.orgId, id))) return 'denied';
    await store.logAccess(
      this.db,
      [{ owner: row.org_id, recipient: caller.orgId, clientId: caller.clientId, publicationId: id }],
      'get',
      spec,
    );
    return spec === '3' ? servedV3(row) : servedV2(row);
  }

  /**
   * A CloudEvent received at /pact/{2,3}/events, already checked against its schema. Recorded
   * (a repeated source+id is accepted again and not recorded twice); a RequestCreated becomes a
   * request for each data owner who shares with the caller's organisation.
   */
  async receiveEvent(
    caller: PactCaller,
    spec: Spec,
    kind: 'created' | 'fulfilled' | 'rejected' | 'published',
    event: CloudEvent,
    criteria: unknown,
    comment: string | null,
  ): Promise<{ duplicate: boolean; requests: string[] }> {
    const types = spec === '3' ? EVENT_TYPES_V3 : EVENT_TYPES_V2;
    const owners = kind === 'created' ? await store.ownersSharingWith(this.db, caller.orgId) : [];
    if (kind === 'created' && owners.length === 0)
      throw new AppError('forbidden', 'no data owner shares footprints with your organisation');
    const { id, duplicate, requests } = await this.db.transaction(async (tx) => {
      const e = await store.insertEvent(tx, {
        spec,
        eventId: event.id,
        source: event.source,
        type: types[kind],
        senderOrg: caller.orgId,
        clientId: caller.clientId,
        event,
      });
      const made: string[] = [];
      if (!e.duplicate && kind === 'created')
        for (const owner of owners)
          made.push(
            await store.insertRequest(tx, {
              eventPk: e.id,
              owner,
              recipient: caller.orgId,
              spec,
              requestEventId: event.id,
              source: event.source,
              criteria,
              comment,
            }),
          );
      return { ...e, requests: made };
    });
    void id;
    if (!duplicate) {
      // Hooks that reach suppliers over the network run after the 200 (PACT's sync timeouts are short).
      const published = this.hooks.onPublishedEvent;
      const answered = this.hooks.onRequestAnswered;
      if (kind === 'published' && published)
        this.inBackground(async () => published(caller.orgId, event, spec));
      if ((kind === 'fulfilled' || kind === 'rejected') && answered)
        this.inBackground(async () => answered(caller.orgId, event, spec));
      if (kind === 'created') {
        for (const r of requests) {
          const row = (await store.findRequest(this.db, r))!;
          await this.hooks.onRequestCreated?.(requestView(row), row.owner_org);
          // After the 200: the requester is answered by an event of its own, later (PACT's async flow).
          if (this.options.autoAnswer !== false)
            this.inBackground(async () => {
              const out = await this.autoAnswer(r);
              if (out) await this.send(r, out);
            });
        }
      }
    }
    return { duplicate, requests };
  }

  // ------------------------------------------------------------ footprint requests (owner side)

  async requests(viewer: Viewer, org?: string): Promise<RequestView[]> {
    const orgIds = await this.readableOrgs(viewer, org);
    return (await store.requestsOf(this.db, orgIds, 500)).map(requestView);
  }

  private async ownRequest(id: string, viewer: Viewer): Promise<store.RequestRow> {
    const row = UUID_RE.test(id) ? await store.findRequest(this.db, id) : undefined;
    if (!row || (viewer !== 'system' && !orgIdsOf(viewer).includes(row.owner_org)))
      throw new AppError('not_found', `no request ${id}`);
    await this.ownerOrg(viewer, row.owner_org);
    if (row.status !== 'Pending')
      throw new AppError('conflict', `request ${id} is already ${row.status.toLowerCase()}`);
    return row;
  }

  /**
   * Answers a request with publications of the owner: they are shared with the requester (a
   * selected-footprints agreement) and the RequestFulfilled event to send is returned.
   */
  async fulfil(requestId: string, publicationIds: string[], viewer: Viewer): Promise<OutboundEvent> {
    const req = await this.ownRequest(requestId, viewer);
    if (publicationIds.length === 0)
      throw new AppError('bad_request', 'publications: name at least one', { field: 'publications' });
    const rows: store.PublicationRow[] = [];
    for (const [i, p] of publicationIds.entries()) {
      const row = UUID_RE.test(p) ? await store.findPublication(this.db, p) : undefined;
      if (!row || row.org_id !== req.owner_org)
        throw new AppError('not_found', `publications.${i}: no publication ${p} of this owner`, {
          field: `publications.${i}`,
        });
      if (req.spec === '2' && row.doc_v2 === null)
        throw new AppError(
          'bad_request',
          `publications.${i}: has no v2.3 form, and the request came over v2`,
          {
            field: `publications.${i}`,
          },
        );
      rows.push(row);
    }
    const types = req.spec === '3' ? EVENT_TYPES_V3 : EVENT_TYPES_V2;
    const event = hostEvent(types.fulfilled, {
      requestEventId: req.request_event_id,
      pfs: rows.map((r) => (req.spec === '3' ? servedV3(r) : servedV2(r))),
    });
    await this.db.transaction(async (tx) => {
      await this.shareWith(tx, req.owner_org, req.recipient_org, publicationIds, viewerName(viewer));
      await store.answerRequest(tx, req.id, {
        status: 'Fulfilled',
        publicationIds,
        answer: event,
        by: viewerName(viewer),
      });
      await store.logAccess(
        tx,
        rows.map((r) => ({
          owner: r.org_id,
          recipient: req.recipient_org,
          clientId: '(request)',
          publicationId: r.id,
        })),
        'request',
        req.spec,
      );
    });
    return outbound(req, event);
  }

  /** Rejects a request; returns the RequestRejected event to send. */
  async reject(
    requestId: string,
    reason: string,
    viewer: Viewer,
    code: 'NotFound' | 'BadRequest' | 'AccessDenied' = 'NotFound',
  ): Promise<OutboundEvent> {
    const req = await this.ownRequest(requestId, viewer);
    const types = req.spec === '3' ? EVENT_TYPES_V3 : EVENT_TYPES_V2;
    const event = hostEvent(types.rejected, {
      requestEventId: req.request_event_id,
      error: {
        code: req.spec === '2' && code === 'NotFound' ? 'NoSuchFootprint' : code,
        message: reason || 'Rejected by the data owner',
      },
    });
    await store.answerRequest(this.db, req.id, {
      status: 'Rejected',
      publicationIds: [],
      answer: event,
      by: viewerName(viewer),
    });
    return outbound(req, event);
  }

  /**
   * Answers a request from what is published, by the owner's Active publications that match its
   * criteria (v3: the ListFootprints filters; v2: the fragment's productIds): none of the owner's
   * match → rejected (NotFound / NoSuchFootprint); some match and are shared with the requester
   * → fulfilled with those; they match but are not shared → null, left Pending for the owner.
   */
  async autoAnswer(requestId: string): Promise<OutboundEvent | null> {
    const req = await store.findRequest(this.db, requestId);
    if (!req) throw new AppError('not_found', `no request ${requestId}`);
    const c = (req.criteria ?? {}) as Record<string, unknown>;
    const list = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
    const filter: store.ListFilter =
      req.spec === '3'
        ? {
            ...(list(c['productId']) ? { productIds: list(c['productId'])! } : {}),
            ...(list(c['companyId']) ? { companyIds: list(c['companyId'])! } : {}),
            ...(list(c['geography']) ? { geographies: list(c['geography'])! } : {}),
            ...(list(c['classification']) ? { classifications: list(c['classification'])! } : {}),
            ...(typeof c['validOn'] === 'string' ? { validOn: c['validOn'] } : {}),
            ...(typeof c['validAfter'] === 'string' ? { validAfter: c['validAfter'] } : {}),
            ...(typeof c['validBefore'] === 'string' ? { validBefore: c['validBefore'] } : {}),
            statuses: ['Active'],
          }
        : {
            ...(list((c['pf'] as Record<string, unknown> | undefined)?.['productIds'])
              ? { productIds: list((c['pf'] as Record<string, unknown>)['productIds'])! }
              : {}),
            statuses: ['Active'],
          };
    // A request without criteria (only the implied Active) is not answered with everything.
    const criteriaGiven = Object.keys(filter).length > 1;
    const matched = criteriaGiven ? await this.ownerMatches(req.owner_org, filter, req.spec) : [];
    if (matched.length === 0)
      return this.reject(requestId, 'No footprint matches the request criteria', 'system');
    // Answering never widens what the requester sees: footprints not yet shared wait for the owner.
    const shared: string[] = [];
    for (const id of matched) if (await store.isVisible(this.db, req.recipient_org, id)) shared.push(id);
    if (shared.length === 0) return null;
    return this.fulfil(requestId, shared, 'system');
  }

  /** The owner's publications matching a filter, whether or not shared yet. */
  private async ownerMatches(owner: string, f: store.ListFilter, spec: Spec): Promise<string[]> {
    const rows = await this.db.query<{
      id: string;
      product_ids_lc: string[];
      company_ids_lc: string[];
      geography_lc: string[];
      classifications_lc: string[];
      status: string;
      validity_start: Date;
      validity_end: Date;
      has_v2: boolean;
    }>(
      `SELECT id, product_ids_lc, company_ids_lc, geography_lc, classifications_lc, status, validity_start, validity_end,
         doc_v2 IS NOT NULL AS has_v2 FROM pact_publication WHERE org_id = $1 ORDER BY seq`,
      [owner],
    );
    const any = (have: string[], want?: string[]) =>
      !want?.length || want.some((w) => have.includes(w.toLowerCase()));
    return rows
      .filter(
        (r) =>
          (spec === '3' || r.has_v2) &&
          any(r.product_ids_lc, f.productIds) &&
          any(r.company_ids_lc, f.companyIds) &&
          any(r.geography_lc, f.geographies) &&
          any(r.classifications_lc, f.classifications) &&
          any([r.status.toLowerCase()], f.statuses) &&
          (!f.validOn ||
            (r.validity_start <= new Date(f.validOn) && r.validity_end >= new Date(f.validOn))) &&
          (!f.validAfter || r.validity_start > new Date(f.validAfter)) &&
          (!f.validBefore || r.validity_end < new Date(f.validBefore)),
      )
      .map((r) => r.id);
  }
}

function outbound(req: store.RequestRow, event: CloudEvent): OutboundEvent {
  const base = req.source.replace(/\/+$/, '');
  return { replyTo: req.source, url: `${base}/${req.spec}/events`, spec: req.spec, event };
}

function agreementView(a: store.AgreementRow): AgreementView {
  return {
    id: a.id,
    owner: { id: a.owner_org, slug: a.owner_slug, name: a.owner_name },
    recipient: { id: a.recipient_org, slug: a.recipient_slug, name: a.recipient_name },
    scope: a.scope,
    publications: a.publications,
    createdBy: a.created_by,
    createdAt: iso(a.created_at),
    endedAt: a.ended_at ? iso(a.ended_at) : null,
  };
}

function requestView(r: store.RequestRow): RequestView {
  return {
    id: r.id,
    recipient: { id: r.recipient_org, slug: r.recipient_slug, name: r.recipient_name },
    spec: r.spec,
    requestEventId: r.request_event_id,
    source: r.source,
    criteria: r.criteria,
    comment: r.comment,
    status: r.status,
    publicationIds: r.publication_ids,
    answeredBy: r.answered_by,
    answeredAt: r.answered_at ? iso(r.answered_at) : null,
    delivery: (r.delivery as Delivery | null) ?? null,
    createdAt: iso(r.created_at),
  };
}
