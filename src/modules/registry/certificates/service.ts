import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { Decimal } from 'decimal.js';
import type { Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { convert } from '../../../kernel/units.js';
import type { RegistryContext } from '../context.js';
import {
  CancelInput,
  ClaimInput,
  DecisionInput,
  DeviceInput,
  ExpireInput,
  IssueInput,
  TransferInput,
  WithdrawInput,
  checkPeriod,
  expiryOf,
  formatSerial,
  maxEnergyWh,
  parse,
  parseSerial,
  type CertState,
  type Scheme,
  type SchemeCode,
} from './model.js';

/** A signed-in caller, or the local operator (the CLI). */
export type Viewer = Principal | 'system';

const WRITE_ROLES: readonly Role[] = ['admin', 'member'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIST_LIMIT = 1000;
/** Blocks expired by one run at most; the next run takes the rest. */
const EXPIRE_BATCH = 2000;
/** The instrument types of a footprint that can name a certificate of this registry. */
const REGISTRY_INSTRUMENTS = new Set<string>(['GEC', 'I-REC', 'EnergyTag']);

const actorName = (v: Viewer) => (v === 'system' ? 'local operator' : v.name);
const isOperator = (v: Viewer) => v === 'system' || v.memberships.some((m) => m.role === 'registry_operator');
/** The operator and the regulator see every organisation's certificates (the regulator read-only). */
const seesAll = (v: Viewer) =>
  v === 'system' || isOperator(v) || v.memberships.some((m) => m.role === 'regulator');
const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const sha256 = (v: unknown) =>
  createHash('sha256')
    .update(canonicalize(v) ?? '')
    .digest('hex');
const pgCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;

export interface OrgRef {
  id: string;
  slug: string;
  name: string;
}
export interface LedgerRef {
  index: number;
  leafHash: string;
}

export interface DeviceView {
  id: string;
  code: string;
  org: OrgRef;
  name: string;
  energySource: string;
  capacityMW: string;
  country: string;
  gridZone: string;
  commissioned: string;
  latitude: string | null;
  longitude: string | null;
  status: 'pending' | 'approved' | 'rejected';
  decisionReason: string | null;
  createdAt: string;
  ledger: LedgerRef;
}

export interface IssuanceView {
  id: string;
  scheme: SchemeCode;
  device: { id: string; code: string; name: string };
  periodStart: string;
  periodEnd: string;
  quantity: string;
  unit: string;
  energyWh: string;
  serial: string;
  emissionFactor: string;
  expiresAt: string;
  org: OrgRef;
  createdAt: string;
  ledger: LedgerRef;
}

export interface BlockView {
  id: string;
  serial: string;
  scheme: SchemeCode;
  unit: string;
  issuanceId: string;
  issuingBody: string;
  device: {
    id: string;
    code: string;
    name: string;
    energySource: string;
    country: string;
    gridZone: string;
  };
  periodStart: string;
  periodEnd: string;
  quantity: string;
  energyWh: string;
  emissionFactor: string;
  holder: OrgRef;
  state: CertState;
  expiresAt: string;
  cancellationId: string | null;
}

export interface CancellationView {
  id: string;
  serial: string;
  scheme: SchemeCode;
  issuanceId: string;
  quantity: string;
  unit: string;
  energyWh: string;
  energyKWh: string;
  holder: OrgRef;
  beneficiary: OrgRef;
  beneficiaryName: string;
  consumptionStart: string;
  consumptionEnd: string;
  purpose: string;
  location: string | null;
  createdAt: string;
  ledger: LedgerRef;
  claim: { id: string; amountKWh: string; footprintId: string | null; createdAt: string } | null;
}

export interface ClaimView {
  id: string;
  cancellationId: string;
  serial: string;
  scheme: SchemeCode;
  org: OrgRef;
  amountKWh: string;
  footprintId: string | null;
  reference: string | null;
  createdAt: string;
  ledger: LedgerRef;
}

export interface TransactionResult {
  transactionId: string;
  kind: string;
  quantity: string;
  serial: string;
  block: BlockView;
  ledger: LedgerRef;
  /** True when this answers a replay of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** What the footprint module hands over when a recorded footprint names an instrument. */
export interface InstrumentClaim {
  orgId: string;
  footprintId: string;
  /** The footprint's reference year: the consumption period must meet it. */
  year: number;
  /** Where the instrument sits in the model, e.g. `energy.0.instruments.1`. */
  path: string;
  instrument: { type: string; id: string; amount: string | number; unit: string };
}

interface SchemeRow {
  code: SchemeCode;
  name: string;
  issuing_body: string;
  wh_per_certificate: string;
  unit: string;
  period_rule: Scheme['periodRule'];
  max_period_hours: number;
  validity_months: number;
  validity_from: Scheme['validityFrom'];
}
const schemeOf = (r: SchemeRow): Scheme => ({
  code: r.code,
  name: r.name,
  issuingBody: r.issuing_body,
  whPerCertificate: BigInt(r.wh_per_certificate),
  unit: r.unit,
  periodRule: r.period_rule,
  maxPeriodHours: r.max_period_hours,
  validityMonths: r.validity_months,
  validityFrom: r.validity_from,
});

interface DeviceRow {
  id: string;
  device_no: string;
  code: string;
  org_id: string;
  org_slug: string;
  org_name: string;
  name: string;
  energy_source: string;
  capacity_mw: string;
  country: string;
  grid_zone: string;
  commissioned: string;
  latitude: string | null;
  longitude: string | null;
  status: DeviceView['status'];
  decision_reason: string | null;
  created_at: Date;
  ledger_index: string;
  ledger_leaf: string;
}
const DEVICE_SQL = `SELECT d.*, o.slug AS org_slug, o.name AS org_name
  FROM cert_device d JOIN organisation o ON o.id = d.org_id`;
const deviceView = (r: DeviceRow): DeviceView => ({
  id: r.id,
  code: r.code,
  org: { id: r.org_id, slug: r.org_slug, name: r.org_name },
  name: r.name,
  energySource: r.energy_source,
  capacityMW: r.capacity_mw,
  country: r.country,
  gridZone: r.grid_zone,
  commissioned: r.commissioned,
  latitude: r.latitude,
  longitude: r.longitude,
  status: r.status,
  decisionReason: r.decision_reason,
  createdAt: iso(r.created_at),
  ledger: { index: Number(r.ledger_index), leafHash: r.ledger_leaf },
});

interface BlockRow {
  id: string;
  serial_start: string;
  serial_end: string;
  state: CertState;
  cancellation_id: string | null;
  holder_org: string;
  holder_slug: string;
  holder_name: string;
  issuance_id: string;
  scheme: SchemeCode;
  period_start: Date;
  period_end: Date;
  expires_at: Date;
  emission_factor: string;
  device_id: string;
  device_code: string;
  device_name: string;
  energy_source: string;
  country: string;
  grid_zone: string;
  wh_per_certificate: string;
  unit: string;
  period_rule: Scheme['periodRule'];
  issuing_body: string;
}
const BLOCK_SQL = `SELECT b.id, b.serial_start, b.serial_end, b.state, b.cancellation_id, b.holder_org,
    o.slug AS holder_slug, o.name AS holder_name, i.id AS issuance_id, i.scheme, i.period_start,
    i.period_end, i.expires_at, i.emission_factor, d.id AS device_id, d.code AS device_code,
    d.name AS device_name, d.energy_source, d.country, d.grid_zone, s.wh_per_certificate, s.unit,
    s.period_rule, s.issuing_body
  FROM cert_block b
  JOIN cert_issuance i ON i.id = b.issuance_id
  JOIN cert_device d ON d.id = i.device_id
  JOIN cert_scheme s ON s.code = i.scheme
  JOIN organisation o ON o.id = b.holder_org`;

interface CancellationRow {
  id: string;
  issuance_id: string;
  serial_start: string;
  serial_end: string;
  energy_wh: string;
  holder_org: string;
  holder_slug: string;
  holder_name: string;
  beneficiary_org: string;
  beneficiary_slug: string;
  beneficiary_org_name: string;
  beneficiary_name: string;
  consumption_start: string;
  consumption_end: string;
  purpose: string;
  location: string | null;
  created_at: Date;
  ledger_index: string;
  ledger_leaf: string;
  scheme: SchemeCode;
  unit: string;
  period_rule: Scheme['periodRule'];
  period_start: Date;
  country: string;
  device_code: string;
  claim_id: string | null;
  claim_kwh: string | null;
  claim_footprint: string | null;
  claim_at: Date | null;
}
const CANCELLATION_SQL = `SELECT c.*, h.slug AS holder_slug, h.name AS holder_name, b.slug AS beneficiary_slug,
    b.name AS beneficiary_org_name, i.scheme, s.unit, s.period_rule, i.period_start, d.country,
    d.code AS device_code, cl.id AS claim_id, cl.amount_kwh AS claim_kwh,
    cl.footprint_id AS claim_footprint, cl.created_at AS claim_at
  FROM cert_cancellation c
  JOIN organisation h ON h.id = c.holder_org
  JOIN organisation b ON b.id = c.beneficiary_org
  JOIN cert_issuance i ON i.id = c.issuance_id
  JOIN cert_scheme s ON s.code = i.scheme
  JOIN cert_device d ON d.id = i.device_id
  LEFT JOIN cert_claim cl ON cl.cancellation_id = c.id`;

/**
 * Energy-attribute certificates: devices, issuance per production period, transfer, cancellation
 * for a beneficiary, claims by footprints, withdrawal and expiry. Every write appends one ledger
 * entry in its own transaction and keeps the entry's index and leaf hash with its records.
 */
export class CertificateService {
  /** The clock: expiry is checked against it (tests set it). */
  now: () => Date = () => new Date();

  constructor(readonly ctx: RegistryContext) {
    const leaf = (table: string, label: string) =>
      `SELECT '${label} ' || id AS ref, ledger_index AS idx, decode(ledger_leaf, 'hex') AS leaf FROM ${table}`;
    ctx.ledger.registerReferences({
      name: 'energy-attribute certificates',
      sql: [
        leaf('cert_device', 'certificate device'),
        `SELECT 'certificate device decision ' || id AS ref, decision_ledger_index AS idx, decode(decision_ledger_leaf, 'hex') AS leaf FROM cert_device WHERE decision_ledger_index IS NOT NULL`,
        leaf('cert_issuance', 'certificate issuance'),
        leaf('cert_cancellation', 'certificate cancellation'),
        leaf('cert_transaction', 'certificate transaction'),
        leaf('cert_claim', 'certificate claim'),
      ].join(' UNION ALL '),
    });
  }

  private get db() {
    return this.ctx.db;
  }

  // ---------------------------------------------------------------- helpers

  private serialOf(
    r: Pick<BlockRow, 'scheme' | 'period_rule' | 'country' | 'device_code' | 'period_start'>,
    first: bigint | string,
    last: bigint | string,
  ): string {
    return formatSerial(
      this.ctx.registryCode,
      { code: r.scheme, periodRule: r.period_rule },
      r.country,
      r.device_code,
      r.period_start,
      BigInt(first),
      BigInt(last),
    );
  }

  private blockView(r: BlockRow): BlockView {
    const q = BigInt(r.serial_end) - BigInt(r.serial_start) + 1n;
    return {
      id: r.id,
      serial: this.serialOf(r, r.serial_start, r.serial_end),
      scheme: r.scheme,
      unit: r.unit,
      issuanceId: r.issuance_id,
      issuingBody: r.issuing_body,
      device: {
        id: r.device_id,
        code: r.device_code,
        name: r.device_name,
        energySource: r.energy_source,
        country: r.country,
        gridZone: r.grid_zone,
      },
      periodStart: iso(r.period_start),
      periodEnd: iso(r.period_end),
      quantity: q.toString(),
      energyWh: (q * BigInt(r.wh_per_certificate)).toString(),
      emissionFactor: r.emission_factor,
      holder: { id: r.holder_org, slug: r.holder_slug, name: r.holder_name },
      state: r.state,
      expiresAt: iso(r.expires_at),
      cancellationId: r.cancellation_id,
    };
  }

  private cancellationView(r: CancellationRow): CancellationView {
    return {
      id: r.id,
      serial: this.serialOf(r, r.serial_start, r.serial_end),
      scheme: r.scheme,
      issuanceId: r.issuance_id,
      quantity: (BigInt(r.serial_end) - BigInt(r.serial_start) + 1n).toString(),
      unit: r.unit,
      energyWh: r.energy_wh,
      energyKWh: new Decimal(r.energy_wh).div(1000).toString(),
      holder: { id: r.holder_org, slug: r.holder_slug, name: r.holder_name },
      beneficiary: { id: r.beneficiary_org, slug: r.beneficiary_slug, name: r.beneficiary_org_name },
      beneficiaryName: r.beneficiary_name,
      consumptionStart: r.consumption_start,
      consumptionEnd: r.consumption_end,
      purpose: r.purpose,
      location: r.location,
      createdAt: iso(r.created_at),
      ledger: { index: Number(r.ledger_index), leafHash: r.ledger_leaf },
      claim: r.claim_id
        ? {
            id: r.claim_id,
            amountKWh: r.claim_kwh!,
            footprintId: r.claim_footprint,
            createdAt: iso(r.claim_at!),
          }
        : null,
    };
  }

  /** An organisation by slug or id, or a 404 naming `field`. */
  private async org(q: Queryable, ref: string, field: string): Promise<OrgRef> {
    const rows = await q.query<OrgRef>(
      `SELECT id, slug, name FROM organisation WHERE ${UUID_RE.test(ref) ? 'id = $1::uuid' : 'slug = $1'}`,
      [ref],
    );
    if (!rows[0]) throw new AppError('not_found', `${field}: no organisation "${ref}"`, { field });
    return rows[0];
  }

  private canWrite(v: Viewer, orgId: string) {
    return v === 'system' || hasRoleIn(v, orgId, WRITE_ROLES);
  }
  private canRead(v: Viewer, orgId: string) {
    return seesAll(v) || (v !== 'system' && orgIdsOf(v).includes(orgId));
  }
  private requireOperator(v: Viewer, what: string) {
    if (!isOperator(v)) throw new AppError('forbidden', `${what} is done by the registry operator`);
  }

  /** The organisation a caller acts for: the one named (it must be theirs), or their only one. */
  private async actingOrg(q: Queryable, v: Viewer, ref: string | undefined, field = 'org'): Promise<OrgRef> {
    if (ref !== undefined) {
      const org = await this.org(q, ref, field).catch(() => null);
      if (!org || !(v === 'system' || orgIdsOf(v).includes(org.id)))
        throw new AppError('not_found', `${field}: no organisation "${ref}" of yours`, { field });
      if (!this.canWrite(v, org.id))
        throw new AppError('forbidden', `${field}: this is done by the organisation's admins or members`, {
          field,
        });
      return org;
    }
    if (v === 'system') throw new AppError('bad_request', `${field}: name the organisation`, { field });
    const mine = [...new Set(v.memberships.filter((m) => WRITE_ROLES.includes(m.role)).map((m) => m.orgId))];
    if (mine.length !== 1)
      throw new AppError(
        mine.length === 0 ? 'forbidden' : 'bad_request',
        mine.length === 0
          ? "this is done by an organisation's admins or members"
          : `${field}: you belong to several organisations; name one`,
        { field },
      );
    return this.org(q, mine[0]!, field);
  }

  private async scheme(q: Queryable, code: string): Promise<Scheme> {
    const rows = await q.query<SchemeRow>('SELECT * FROM cert_scheme WHERE code = $1', [code]);
    if (!rows[0]) throw new AppError('validation_failed', `scheme: no scheme "${code}"`, { field: 'scheme' });
    return schemeOf(rows[0]);
  }

  /**
   * Runs a write once per Idempotency-Key in `scope`: a replay with the same request answers the
   * first result (replayed: true) and writes nothing; the same key with another request is a 409.
   */
  private async once<T extends object>(
    scope: string,
    key: string | undefined,
    request: unknown,
    run: (tx: Queryable) => Promise<T>,
  ): Promise<T & { replayed: boolean }> {
    const hash = sha256(request);
    const attempt = () =>
      this.db.transaction(async (tx) => {
        if (key !== undefined) {
          const prev = await tx.query<{ request_sha256: string; response: T }>(
            'SELECT request_sha256, response FROM cert_idempotency WHERE scope = $1 AND key = $2',
            [scope, key],
          );
          if (prev[0]) {
            if (prev[0].request_sha256 !== hash)
              throw new AppError('conflict', 'Idempotency-Key: this key was used for a different request', {
                field: 'Idempotency-Key',
              });
            return { ...prev[0].response, replayed: true };
          }
        }
        const result = await run(tx);
        if (key !== undefined)
          await tx.query(
            'INSERT INTO cert_idempotency (scope, key, request_sha256, response) VALUES ($1, $2, $3, $4)',
            [scope, key, hash, JSON.stringify(result)],
          );
        return { ...result, replayed: false };
      });
    try {
      return await attempt();
    } catch (e) {
      // The same key sent twice at once: the second waits for the first, then answers as a replay.
      if (key !== undefined && pgCode(e) === '23505' && String(e).includes('cert_idempotency'))
        return attempt();
      throw e;
    }
  }

  private async appendLedger(
    tx: Queryable,
    type: string,
    subject: string,
    body: Record<string, unknown>,
    orgId: string,
    isPublic: boolean,
  ): Promise<LedgerRef> {
    const a = await this.ctx.ledger.append(tx, { type, subject, body, orgId, public: isPublic });
    return { index: a.index, leafHash: a.leafHash };
  }

  private async insertTransaction(
    tx: Queryable,
    t: {
      id: string;
      kind: string;
      issuanceId: string | null;
      first: bigint | null;
      last: bigint | null;
      quantity: bigint;
      from: string | null;
      to: string | null;
      actor: string;
      details: Record<string, unknown>;
      ledger: LedgerRef;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO cert_transaction (id, kind, issuance_id, serial_start, serial_end, quantity, from_org,
         to_org, actor, details, ledger_index, ledger_leaf)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        t.id,
        t.kind,
        t.issuanceId,
        t.first?.toString() ?? null,
        t.last?.toString() ?? null,
        t.quantity.toString(),
        t.from,
        t.to,
        t.actor,
        JSON.stringify(t.details),
        t.ledger.index,
        t.ledger.leafHash,
      ],
    );
  }

  // ---------------------------------------------------------------- schemes and devices

  async schemes(): Promise<Scheme[]> {
    return (await this.db.query<SchemeRow>('SELECT * FROM cert_scheme ORDER BY code')).map(schemeOf);
  }

  /** Registers a production device of the caller's organisation; the operator approves it. */
  async registerDevice(input: unknown, viewer: Viewer): Promise<DeviceView> {
    const d = parse(DeviceInput, input);
    const id = await this.db.transaction(async (tx) => {
      const org = await this.actingOrg(tx, viewer, d.org);
      const no = (await tx.query<{ n: string }>("SELECT nextval('cert_device_no') AS n"))[0]!.n;
      const code = `${d.country}${no.padStart(6, '0')}`;
      const id = randomUUID();
      const ledger = await this.appendLedger(
        tx,
        'registry.certificate.device',
        id,
        {
          device: id,
          code,
          org: org.id,
          name: d.name,
          energySource: d.energySource,
          capacityMW: d.capacityMW.toString(),
          country: d.country,
          gridZone: d.gridZone,
          commissioned: d.commissioned,
        },
        org.id,
        false,
      );
      await tx.query(
        `INSERT INTO cert_device (id, device_no, code, org_id, name, energy_source, capacity_mw, country,
           grid_zone, commissioned, latitude, longitude, created_by, ledger_index, ledger_leaf)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          id,
          no,
          code,
          org.id,
          d.name,
          d.energySource,
          d.capacityMW.toString(),
          d.country,
          d.gridZone,
          d.commissioned,
          d.latitude?.toString() ?? null,
          d.longitude?.toString() ?? null,
          actorName(viewer),
          ledger.index,
          ledger.leafHash,
        ],
      );
      return id;
    });
    return this.getDevice(id, viewer);
  }

  private async deviceRow(q: Queryable, ref: string, viewer: Viewer, field: string, lock = false) {
    const rows = await q.query<DeviceRow>(
      `${DEVICE_SQL} WHERE ${UUID_RE.test(ref) ? 'd.id = $1::uuid' : 'd.code = $1'}${lock ? ' FOR UPDATE OF d' : ''}`,
      [ref],
    );
    const r = rows[0];
    if (!r || !this.canRead(viewer, r.org_id))
      throw new AppError('not_found', `${field}: no device "${ref}"`, { field });
    return r;
  }

  async getDevice(ref: string, viewer: Viewer): Promise<DeviceView> {
    return deviceView(await this.deviceRow(this.db, ref, viewer, 'device'));
  }

  async listDevices(viewer: Viewer, filter: { org?: string | undefined; status?: string | undefined } = {}) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.org !== undefined) {
      const org = await this.org(this.db, filter.org, 'org');
      if (!this.canRead(viewer, org.id))
        throw new AppError('not_found', `org: no organisation "${filter.org}"`, { field: 'org' });
      params.push(org.id);
      where.push(`d.org_id = $${params.length}`);
    } else if (!seesAll(viewer)) {
      params.push(viewer === 'system' ? [] : orgIdsOf(viewer));
      where.push(`d.org_id = ANY($${params.length}::uuid[])`);
    }
    if (filter.status !== undefined) {
      params.push(filter.status);
      where.push(`d.status = $${params.length}`);
    }
    const rows = await this.db.query<DeviceRow>(
      `${DEVICE_SQL}${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY d.device_no LIMIT ${LIST_LIMIT}`,
      params,
    );
    return rows.map(deviceView);
  }

  /** The operator approves (or rejects) a registered device; only approved devices get certificates. */
  async decideDevice(ref: string, input: unknown, viewer: Viewer): Promise<DeviceView> {
    this.requireOperator(viewer, 'approving a device');
    const d = parse(DecisionInput, input);
    const id = await this.db.transaction(async (tx) => {
      const row = await this.deviceRow(tx, ref, viewer, 'device', true);
      if (row.status !== 'pending')
        throw new AppError('conflict', `device: ${row.code} is already ${row.status}`, { field: 'device' });
      const status = d.approve ? 'approved' : 'rejected';
      if (!d.approve && !d.reason)
        throw new AppError('validation_failed', 'reason: say why the device is rejected', {
          field: 'reason',
        });
      const ledger = await this.appendLedger(
        tx,
        'registry.certificate.device-decision',
        row.id,
        { device: row.id, code: row.code, status, reason: d.reason ?? null },
        row.org_id,
        d.approve,
      );
      await tx.query(
        `UPDATE cert_device SET status = $2, decision_reason = $3, decided_by = $4, decided_at = now(),
           decision_ledger_index = $5, decision_ledger_leaf = $6
         WHERE id = $1`,
        [row.id, status, d.reason ?? null, actorName(viewer), ledger.index, ledger.leafHash],
      );
      return row.id;
    });
    return this.getDevice(id, viewer);
  }

  // ---------------------------------------------------------------- issuance

  /**
   * Issues certificates for a device's production period to the device's owner (the operator,
   * as issuing body). Refused when the period overlaps an earlier issuance of the device, or when
   * the energy is more than the capacity can produce in the period.
   */
  async issue(
    input: unknown,
    viewer: Viewer,
    idempotencyKey?: string,
  ): Promise<{ issuance: IssuanceView; block: BlockView; replayed: boolean }> {
    this.requireOperator(viewer, 'issuing certificates');
    const i = parse(IssueInput, input);
    const scope = viewer === 'system' ? 'operator' : `user:${viewer.id}`;
    return this.once(scope, idempotencyKey, { op: 'issue', ...i, quantity: i.quantity.toString() }, (tx) =>
      this.issueIn(tx, i, viewer),
    );
  }

  private async issueIn(
    tx: Queryable,
    i: IssueInput,
    viewer: Viewer,
  ): Promise<{ issuance: IssuanceView; block: BlockView }> {
    const scheme = await this.scheme(tx, i.scheme);
    // The device row is locked: issuances of one device are written one after another.
    const device = await this.deviceRow(tx, i.device, viewer, 'device', true);
    if (device.status !== 'approved')
      throw new AppError('conflict', `device: ${device.code} is ${device.status}, not approved`, {
        field: 'device',
      });
    if (scheme.code === 'GEC' && device.country !== 'CN')
      throw new AppError(
        'validation_failed',
        `scheme: GEC are issued for devices in China, not ${device.country}`,
        {
          field: 'scheme',
        },
      );
    const start = new Date(i.periodStart);
    const end = new Date(i.periodEnd);
    const seconds = checkPeriod(scheme, start, end);
    if (end.getTime() > this.now().getTime())
      throw new AppError('validation_failed', 'periodEnd: production is certified after it happened', {
        field: 'periodEnd',
      });
    if (start.getTime() < new Date(`${device.commissioned}T00:00:00Z`).getTime() - 14 * 3600 * 1000)
      throw new AppError(
        'validation_failed',
        `periodStart: before the device was commissioned (${device.commissioned})`,
        { field: 'periodStart' },
      );
    const expiresAt = expiryOf(scheme, start, end);
    if (expiresAt.getTime() <= this.now().getTime())
      throw new AppError(
        'validation_failed',
        `periodStart: ${scheme.code} certificates of this period expired on ${expiresAt.toISOString()}`,
        { field: 'periodStart' },
      );
    const energyWh = i.quantity * scheme.whPerCertificate;
    const max = maxEnergyWh(device.capacity_mw, seconds);
    if (energyWh > max)
      throw new AppError(
        'validation_failed',
        `quantity: ${i.quantity} ${scheme.unit} is more than ${device.code} can produce in the period (${device.capacity_mw} MW × ${new Decimal(seconds).div(3600).toString()} h = ${new Decimal(max.toString()).div(scheme.whPerCertificate.toString()).floor().toString()} ${scheme.unit})`,
        { field: 'quantity', details: { maxQuantity: (max / scheme.whPerCertificate).toString() } },
      );
    const overlap = await tx.query<{ id: string; scheme: string; period_start: Date; period_end: Date }>(
      `SELECT id, scheme, period_start, period_end FROM cert_issuance
       WHERE device_id = $1 AND period_start < $3 AND period_end > $2 ORDER BY period_start LIMIT 1`,
      [device.id, start.toISOString(), end.toISOString()],
    );
    if (overlap[0])
      throw new AppError(
        'conflict',
        `periodStart: ${device.code} already has ${overlap[0].scheme} certificates for ${iso(overlap[0].period_start)} – ${iso(overlap[0].period_end)} (issuance ${overlap[0].id}); a period is certified once`,
        { field: 'periodStart', details: { issuance: overlap[0].id } },
      );
    const first = BigInt(
      (
        await tx.query<{ first: string }>(
          'UPDATE cert_serial_counter SET next = next + $1 RETURNING next - $1 AS first',
          [i.quantity.toString()],
        )
      )[0]!.first,
    );
    const last = first + i.quantity - 1n;
    const id = randomUUID();
    const serial = this.serialOf(
      {
        scheme: scheme.code,
        period_rule: scheme.periodRule,
        country: device.country,
        device_code: device.code,
        period_start: start,
      },
      first,
      last,
    );
    const factor = (i.emissionFactor ?? new Decimal(0)).toString();
    const ledger = await this.appendLedger(
      tx,
      'registry.certificate.issuance',
      id,
      {
        issuance: id,
        serial,
        scheme: scheme.code,
        issuingBody: scheme.issuingBody,
        device: {
          code: device.code,
          energySource: device.energy_source,
          country: device.country,
          gridZone: device.grid_zone,
        },
        periodStart: start.toISOString(),
        periodEnd: end.toISOString(),
        quantity: i.quantity.toString(),
        unit: scheme.unit,
        energyWh: energyWh.toString(),
        emissionFactor: factor,
        expiresAt: expiresAt.toISOString(),
      },
      device.org_id,
      true,
    );
    try {
      await tx.query(
        `INSERT INTO cert_issuance (id, scheme, device_id, device_no, period_start, period_end, start_s, end_s,
           energy_wh, quantity, serial_start, serial_end, emission_factor, expires_at, org_id, actor,
           ledger_index, ledger_leaf)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          id,
          scheme.code,
          device.id,
          device.device_no,
          start.toISOString(),
          end.toISOString(),
          Math.floor(start.getTime() / 1000),
          Math.floor(end.getTime() / 1000),
          energyWh.toString(),
          i.quantity.toString(),
          first.toString(),
          last.toString(),
          factor,
          expiresAt.toISOString(),
          device.org_id,
          actorName(viewer),
          ledger.index,
          ledger.leafHash,
        ],
      );
    } catch (e) {
      if (pgCode(e) === '23P01')
        throw new AppError(
          'conflict',
          `periodStart: ${device.code} already has certificates for part of this period`,
          {
            field: 'periodStart',
          },
        );
      throw e;
    }
    const blockId = randomUUID();
    await tx.query(
      `INSERT INTO cert_block (id, issuance_id, serial_start, serial_end, holder_org, state)
       VALUES ($1, $2, $3, $4, $5, 'active')`,
      [blockId, id, first.toString(), last.toString(), device.org_id],
    );
    await this.insertTransaction(tx, {
      id: randomUUID(),
      kind: 'issuance',
      issuanceId: id,
      first,
      last,
      quantity: i.quantity,
      from: null,
      to: device.org_id,
      actor: actorName(viewer),
      details: { serial },
      ledger,
    });
    return {
      issuance: (await this.issuancesWhere(tx, 'i.id = $1', [id]))[0]!,
      block: (await this.blocksWhere(tx, 'b.id = $1', [blockId]))[0]!,
    };
  }

  private async issuancesWhere(q: Queryable, where: string, params: unknown[]): Promise<IssuanceView[]> {
    const rows = await q.query<{
      id: string;
      scheme: SchemeCode;
      device_id: string;
      device_code: string;
      device_name: string;
      country: string;
      period_start: Date;
      period_end: Date;
      quantity: string;
      unit: string;
      period_rule: Scheme['periodRule'];
      energy_wh: string;
      serial_start: string;
      serial_end: string;
      emission_factor: string;
      expires_at: Date;
      org_id: string;
      slug: string;
      org_name: string;
      created_at: Date;
      ledger_index: string;
      ledger_leaf: string;
    }>(
      `SELECT i.*, d.code AS device_code, d.name AS device_name, d.country, s.unit, s.period_rule,
         o.slug, o.name AS org_name
       FROM cert_issuance i JOIN cert_device d ON d.id = i.device_id JOIN cert_scheme s ON s.code = i.scheme
       JOIN organisation o ON o.id = i.org_id WHERE ${where} ORDER BY i.period_start, i.created_at LIMIT ${LIST_LIMIT}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      scheme: r.scheme,
      device: { id: r.device_id, code: r.device_code, name: r.device_name },
      periodStart: iso(r.period_start),
      periodEnd: iso(r.period_end),
      quantity: r.quantity,
      unit: r.unit,
      energyWh: r.energy_wh,
      serial: this.serialOf({ ...r }, r.serial_start, r.serial_end),
      emissionFactor: r.emission_factor,
      expiresAt: iso(r.expires_at),
      org: { id: r.org_id, slug: r.slug, name: r.org_name },
      createdAt: iso(r.created_at),
      ledger: { index: Number(r.ledger_index), leafHash: r.ledger_leaf },
    }));
  }

  async listIssuances(viewer: Viewer, filter: { device?: string | undefined } = {}): Promise<IssuanceView[]> {
    const where: string[] = ['true'];
    const params: unknown[] = [];
    if (filter.device !== undefined) {
      const d = await this.deviceRow(this.db, filter.device, viewer, 'device');
      params.push(d.id);
      where.push(`i.device_id = $${params.length}`);
    }
    if (!seesAll(viewer)) {
      params.push(viewer === 'system' ? [] : orgIdsOf(viewer));
      where.push(`i.org_id = ANY($${params.length}::uuid[])`);
    }
    return this.issuancesWhere(this.db, where.join(' AND '), params);
  }

  // ---------------------------------------------------------------- blocks: holdings, transfer, cancel

  private async blocksWhere(
    q: Queryable,
    where: string,
    params: unknown[],
    lock = false,
  ): Promise<BlockView[]> {
    const rows = await q.query<BlockRow>(
      `${BLOCK_SQL} WHERE ${where} ORDER BY b.serial_start LIMIT ${LIST_LIMIT}${lock ? ' FOR UPDATE OF b' : ''}`,
      params,
    );
    return rows.map((r) => this.blockView(r));
  }

  /** Certificate blocks held by the caller's organisations (all, for the operator and the regulator). */
  async holdings(
    viewer: Viewer,
    filter: { org?: string | undefined; state?: CertState | undefined } = {},
  ): Promise<BlockView[]> {
    const where: string[] = ['true'];
    const params: unknown[] = [];
    if (filter.org !== undefined) {
      const org = await this.org(this.db, filter.org, 'org');
      if (!this.canRead(viewer, org.id))
        throw new AppError('not_found', `org: no organisation "${filter.org}"`, { field: 'org' });
      params.push(org.id);
      where.push(`b.holder_org = $${params.length}`);
    } else if (!seesAll(viewer)) {
      params.push(viewer === 'system' ? [] : orgIdsOf(viewer));
      where.push(`b.holder_org = ANY($${params.length}::uuid[])`);
    }
    if (filter.state !== undefined) {
      params.push(filter.state);
      where.push(`b.state = $${params.length}`);
    }
    return this.blocksWhere(this.db, where.join(' AND '), params);
  }

  /** A block by id or by its exact serial, locked, that the caller may see (else 404 naming `block`). */
  private async lockBlock(tx: Queryable, ref: string, viewer: Viewer): Promise<BlockView> {
    let found: BlockView[];
    if (UUID_RE.test(ref)) found = await this.blocksWhere(tx, 'b.id = $1', [ref], true);
    else {
      const s = parseSerial(this.ctx.registryCode, ref);
      found = s
        ? (
            await this.blocksWhere(
              tx,
              'b.serial_start = $1 AND b.serial_end = $2',
              [s.first.toString(), s.last.toString()],
              true,
            )
          ).filter((b) => b.serial === ref)
        : [];
    }
    const b = found[0];
    if (!b || !this.canRead(viewer, b.holder.id))
      throw new AppError('not_found', `block: no certificate block "${ref}" of yours`, { field: 'block' });
    return b;
  }

  /** The checks before certificates leave a block: the holder acts, the block is active and not expired. */
  private usable(b: BlockView, viewer: Viewer, quantity: bigint | undefined): bigint {
    if (!this.canWrite(viewer, b.holder.id))
      throw new AppError('forbidden', "block: certificates are moved by their holder's admins or members", {
        field: 'block',
      });
    if (b.state !== 'active')
      throw new AppError(
        'conflict',
        `block: ${b.serial} is ${b.state}${b.state === 'cancelled' ? ' (final: a cancelled certificate never moves again)' : ''}`,
        { field: 'block', details: { state: b.state } },
      );
    if (new Date(b.expiresAt).getTime() <= this.now().getTime())
      throw new AppError('conflict', `block: ${b.serial} expired on ${b.expiresAt}`, {
        field: 'block',
        details: { state: 'expired' },
      });
    const size = BigInt(b.quantity);
    const q = quantity ?? size;
    if (q > size)
      throw new AppError('validation_failed', `quantity: the block holds ${size} ${b.unit}, not ${q}`, {
        field: 'quantity',
      });
    return q;
  }

  /**
   * Takes the lowest `q` certificates of block `b` into a new block (holder, state): the rest stays
   * where it was. Returns the new block's id and its range.
   */
  private async split(
    tx: Queryable,
    b: BlockView,
    q: bigint,
    to: { holder: string; state: CertState; cancellationId?: string },
  ): Promise<{ id: string; first: bigint; last: bigint }> {
    const first = BigInt(b.serial.split('-').at(-2)!);
    const last = first + q - 1n;
    const size = BigInt(b.quantity);
    const id = randomUUID();
    if (q === size) await tx.query('DELETE FROM cert_block WHERE id = $1', [b.id]);
    else
      await tx.query('UPDATE cert_block SET serial_start = $2, updated_at = now() WHERE id = $1', [
        b.id,
        (last + 1n).toString(),
      ]);
    await tx.query(
      `INSERT INTO cert_block (id, issuance_id, serial_start, serial_end, holder_org, state, cancellation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, b.issuanceId, first.toString(), last.toString(), to.holder, to.state, to.cancellationId ?? null],
    );
    return { id, first, last };
  }

  /** Transfers certificates to another organisation; part of a block splits it. */
  async transfer(input: unknown, viewer: Viewer, idempotencyKey?: string): Promise<TransactionResult> {
    const t = parse(TransferInput, input);
    const scope = viewer === 'system' ? 'operator' : `user:${viewer.id}`;
    const request = { op: 'transfer', ...t, quantity: t.quantity?.toString() ?? null };
    return this.once(scope, idempotencyKey, request, async (tx) => {
      const b = await this.lockBlock(tx, t.block, viewer);
      const q = this.usable(b, viewer, t.quantity);
      const to = await this.org(tx, t.to, 'to');
      if (to.id === b.holder.id)
        throw new AppError(
          'validation_failed',
          'to: the certificates are already held by this organisation',
          {
            field: 'to',
          },
        );
      const moved = await this.split(tx, b, q, { holder: to.id, state: 'active' });
      const txId = randomUUID();
      const serial = this.rangeSerial(b, moved.first, moved.last);
      const ledger = await this.appendLedger(
        tx,
        'registry.certificate.transfer',
        txId,
        { transaction: txId, serial, quantity: q.toString(), unit: b.unit, from: b.holder.id, to: to.id },
        b.holder.id,
        false,
      );
      await this.insertTransaction(tx, {
        id: txId,
        kind: 'transfer',
        issuanceId: b.issuanceId,
        first: moved.first,
        last: moved.last,
        quantity: q,
        from: b.holder.id,
        to: to.id,
        actor: actorName(viewer),
        details: { serial },
        ledger,
      });
      const block = (await this.blocksWhere(tx, 'b.id = $1', [moved.id]))[0]!;
      return { transactionId: txId, kind: 'transfer', quantity: q.toString(), serial, block, ledger };
    });
  }

  private rangeSerial(b: BlockView, first: bigint, last: bigint): string {
    return b.serial.replace(/-\d+-\d+$/, `-${first}-${last}`);
  }

  /**
   * Cancels (claims) certificates for a beneficiary, a consumption period and a purpose: they
   * leave circulation for good. The beneficiary organisation may then claim them once, e.g. in a
   * footprint's market-based electricity.
   */
  async cancel(
    input: unknown,
    viewer: Viewer,
    idempotencyKey?: string,
  ): Promise<TransactionResult & { cancellation: CancellationView }> {
    const c = parse(CancelInput, input);
    if (c.consumptionEnd < c.consumptionStart)
      throw new AppError('validation_failed', 'consumptionEnd: before consumptionStart', {
        field: 'consumptionEnd',
      });
    const scope = viewer === 'system' ? 'operator' : `user:${viewer.id}`;
    const request = { op: 'cancel', ...c, quantity: c.quantity?.toString() ?? null };
    return this.once(scope, idempotencyKey, request, async (tx) => {
      const b = await this.lockBlock(tx, c.block, viewer);
      const q = this.usable(b, viewer, c.quantity);
      const beneficiary =
        c.beneficiary === undefined ? b.holder : await this.org(tx, c.beneficiary, 'beneficiary');
      const cancellationId = randomUUID();
      const first = BigInt(b.serial.split('-').at(-2)!);
      const last = first + q - 1n;
      const serial = this.rangeSerial(b, first, last);
      const energyWh = (BigInt(b.energyWh) / BigInt(b.quantity)) * q;
      const ledger = await this.appendLedger(
        tx,
        'registry.certificate.cancellation',
        cancellationId,
        {
          cancellation: cancellationId,
          serial,
          scheme: b.scheme,
          quantity: q.toString(),
          unit: b.unit,
          energyWh: energyWh.toString(),
          device: b.device.code,
          periodStart: b.periodStart,
          periodEnd: b.periodEnd,
          beneficiary: c.beneficiaryName ?? beneficiary.name,
          consumptionStart: c.consumptionStart,
          consumptionEnd: c.consumptionEnd,
          purpose: c.purpose,
          ...(c.location ? { location: c.location } : {}),
        },
        b.holder.id,
        true,
      );
      await tx.query(
        `INSERT INTO cert_cancellation (id, issuance_id, serial_start, serial_end, energy_wh, holder_org,
           beneficiary_org, beneficiary_name, consumption_start, consumption_end, purpose, location, actor,
           ledger_index, ledger_leaf)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          cancellationId,
          b.issuanceId,
          first.toString(),
          last.toString(),
          energyWh.toString(),
          b.holder.id,
          beneficiary.id,
          c.beneficiaryName ?? beneficiary.name,
          c.consumptionStart,
          c.consumptionEnd,
          c.purpose,
          c.location ?? null,
          actorName(viewer),
          ledger.index,
          ledger.leafHash,
        ],
      );
      const moved = await this.split(tx, b, q, { holder: b.holder.id, state: 'cancelled', cancellationId });
      const txId = randomUUID();
      await this.insertTransaction(tx, {
        id: txId,
        kind: 'cancellation',
        issuanceId: b.issuanceId,
        first,
        last,
        quantity: q,
        from: b.holder.id,
        to: beneficiary.id,
        actor: actorName(viewer),
        details: { serial, cancellation: cancellationId },
        ledger,
      });
      const block = (await this.blocksWhere(tx, 'b.id = $1', [moved.id]))[0]!;
      const cancellation = (await this.cancellationsWhere(tx, 'c.id = $1', [cancellationId]))[0]!;
      return {
        transactionId: txId,
        kind: 'cancellation',
        quantity: q.toString(),
        serial,
        block,
        ledger,
        cancellation,
      };
    });
  }

  /** The operator withdraws an active block (issued in error, a device found at fault). */
  async withdraw(input: unknown, viewer: Viewer, idempotencyKey?: string): Promise<TransactionResult> {
    this.requireOperator(viewer, 'withdrawing certificates');
    const w = parse(WithdrawInput, input);
    const scope = viewer === 'system' ? 'operator' : `user:${viewer.id}`;
    return this.once(scope, idempotencyKey, { op: 'withdraw', ...w }, async (tx) => {
      const b = await this.lockBlock(tx, w.block, viewer);
      if (b.state !== 'active')
        throw new AppError(
          'conflict',
          `block: ${b.serial} is ${b.state}; only active certificates are withdrawn`,
          {
            field: 'block',
          },
        );
      const txId = randomUUID();
      const ledger = await this.appendLedger(
        tx,
        'registry.certificate.withdrawal',
        txId,
        { transaction: txId, serial: b.serial, quantity: b.quantity, unit: b.unit, reason: w.reason },
        b.holder.id,
        true,
      );
      await tx.query("UPDATE cert_block SET state = 'withdrawn', updated_at = now() WHERE id = $1", [b.id]);
      const first = BigInt(b.serial.split('-').at(-2)!);
      await this.insertTransaction(tx, {
        id: txId,
        kind: 'withdrawal',
        issuanceId: b.issuanceId,
        first,
        last: first + BigInt(b.quantity) - 1n,
        quantity: BigInt(b.quantity),
        from: b.holder.id,
        to: null,
        actor: actorName(viewer),
        details: { serial: b.serial, reason: w.reason },
        ledger,
      });
      const block = (await this.blocksWhere(tx, 'b.id = $1', [b.id]))[0]!;
      return {
        transactionId: txId,
        kind: 'withdrawal',
        quantity: b.quantity,
        serial: b.serial,
        block,
        ledger,
      };
    });
  }

  /**
   * The operator's expiry run: every active block whose scheme validity has passed (at `asOf`,
   * default now) becomes expired, with a ledger entry each. At most EXPIRE_BATCH blocks a run.
   */
  async expire(
    input: unknown,
    viewer: Viewer,
  ): Promise<{
    asOf: string;
    expired: { serial: string; quantity: string; unit: string; holder: string }[];
    more: boolean;
  }> {
    this.requireOperator(viewer, 'the expiry run');
    const e = parse(ExpireInput, input ?? {});
    const asOf = e.asOf ? new Date(e.asOf) : this.now();
    return this.db.transaction(async (tx) => {
      const due = await tx.query<BlockRow>(
        `${BLOCK_SQL} WHERE b.state = 'active' AND i.expires_at <= $1 ORDER BY b.serial_start
         LIMIT ${EXPIRE_BATCH + 1} FOR UPDATE OF b`,
        [asOf.toISOString()],
      );
      const blocks = due.slice(0, EXPIRE_BATCH).map((r) => this.blockView(r));
      const txIds = blocks.map(() => randomUUID());
      const entries = await this.ctx.ledger.appendMany(
        tx,
        blocks.map((b, k) => ({
          type: 'registry.certificate.expiry',
          subject: txIds[k]!,
          body: {
            transaction: txIds[k],
            serial: b.serial,
            quantity: b.quantity,
            unit: b.unit,
            expiresAt: b.expiresAt,
          },
          orgId: b.holder.id,
          public: true,
        })),
      );
      for (const [k, b] of blocks.entries()) {
        await tx.query("UPDATE cert_block SET state = 'expired', updated_at = now() WHERE id = $1", [b.id]);
        const first = BigInt(b.serial.split('-').at(-2)!);
        await this.insertTransaction(tx, {
          id: txIds[k]!,
          kind: 'expiry',
          issuanceId: b.issuanceId,
          first,
          last: first + BigInt(b.quantity) - 1n,
          quantity: BigInt(b.quantity),
          from: b.holder.id,
          to: null,
          actor: actorName(viewer),
          details: { serial: b.serial, asOf: asOf.toISOString() },
          ledger: { index: entries[k]!.index, leafHash: entries[k]!.leafHash },
        });
      }
      return {
        asOf: asOf.toISOString(),
        expired: blocks.map((b) => ({
          serial: b.serial,
          quantity: b.quantity,
          unit: b.unit,
          holder: b.holder.slug,
        })),
        more: due.length > EXPIRE_BATCH,
      };
    });
  }

  // ---------------------------------------------------------------- cancellations and claims

  private async cancellationsWhere(q: Queryable, where: string, params: unknown[], lock = false) {
    const rows = await q.query<CancellationRow>(
      `${CANCELLATION_SQL} WHERE ${where} ORDER BY c.created_at DESC LIMIT ${LIST_LIMIT}${lock ? ' FOR UPDATE OF c' : ''}`,
      params,
    );
    return rows.map((r) => this.cancellationView(r));
  }

  /** Cancellations the caller's organisations made or benefit from (all, for the operator and regulator). */
  async listCancellations(viewer: Viewer): Promise<CancellationView[]> {
    if (seesAll(viewer)) return this.cancellationsWhere(this.db, 'true', []);
    const mine = viewer === 'system' ? [] : orgIdsOf(viewer);
    return this.cancellationsWhere(
      this.db,
      '(c.holder_org = ANY($1::uuid[]) OR c.beneficiary_org = ANY($1::uuid[]))',
      [mine],
    );
  }

  async getCancellation(ref: string, viewer: Viewer): Promise<CancellationView> {
    const c = await this.findCancellation(this.db, ref, 'cancellation', false);
    if (!c || !(this.canRead(viewer, c.holder.id) || this.canRead(viewer, c.beneficiary.id)))
      throw new AppError('not_found', `no cancellation "${ref}"`);
    return c;
  }

  /** A cancellation by id or by its serial, or null. */
  private async findCancellation(
    q: Queryable,
    ref: string,
    _field: string,
    lock: boolean,
  ): Promise<CancellationView | null> {
    if (UUID_RE.test(ref)) return (await this.cancellationsWhere(q, 'c.id = $1', [ref], lock))[0] ?? null;
    const s = parseSerial(this.ctx.registryCode, ref);
    if (!s) return null;
    const found = await this.cancellationsWhere(
      q,
      'c.serial_start = $1 AND c.serial_end = $2',
      [s.first.toString(), s.last.toString()],
      lock,
    );
    return found.find((c) => c.serial === ref) ?? null;
  }

  /**
   * Claims a cancellation for its beneficiary, once: the claim table's unique cancellation and its
   * exclusion over the certificate numbers refuse a second claim (409 naming the certificate).
   */
  async claimIn(
    tx: Queryable,
    c: {
      orgId: string;
      cancellation: string;
      amountKWh: Decimal;
      footprintId?: string;
      reference?: string;
      actor: string;
      field: string;
      scheme?: string;
      year?: number;
    },
  ): Promise<ClaimView> {
    const found = await this.findCancellation(tx, c.cancellation, c.field, true);
    if (!found)
      throw new AppError(
        'not_found',
        `${c.field}: no cancellation "${c.cancellation}" in registry ${this.ctx.registryCode}`,
        {
          field: c.field,
        },
      );
    if (found.beneficiary.id !== c.orgId)
      throw new AppError(
        'forbidden',
        `${c.field}: ${found.serial} was cancelled for ${found.beneficiary.name}; only that organisation may claim it`,
        { field: c.field },
      );
    if (c.scheme !== undefined && c.scheme !== found.scheme)
      throw new AppError(
        'validation_failed',
        `${c.field}: ${found.serial} is a ${found.scheme} certificate, not ${c.scheme}`,
        {
          field: c.field,
        },
      );
    if (c.year !== undefined) {
      const y0 = Number(found.consumptionStart.slice(0, 4));
      const y1 = Number(found.consumptionEnd.slice(0, 4));
      if (c.year < y0 || c.year > y1)
        throw new AppError(
          'validation_failed',
          `${c.field}: ${found.serial} was cancelled for consumption ${found.consumptionStart} – ${found.consumptionEnd}, not in ${c.year}`,
          { field: c.field },
        );
    }
    if (c.amountKWh.greaterThan(found.energyKWh))
      throw new AppError(
        'validation_failed',
        `${c.field}: ${c.amountKWh.toString()} kWh is more than the ${found.energyKWh} kWh cancelled in ${found.serial}`,
        { field: c.field },
      );
    if (found.claim)
      throw new AppError(
        'conflict',
        `${c.field}: certificate ${found.serial} is already claimed${found.claim.footprintId ? ` by footprint ${found.claim.footprintId}` : ''}; a certificate is claimed once`,
        { field: c.field, details: { certificate: found.serial, claim: found.claim.id } },
      );
    const id = randomUUID();
    const s = parseSerial(this.ctx.registryCode, found.serial)!;
    const ledger = await this.appendLedger(
      tx,
      'registry.certificate.claim',
      id,
      {
        claim: id,
        cancellation: found.id,
        serial: found.serial,
        amountKWh: c.amountKWh.toString(),
        ...(c.footprintId ? { footprint: c.footprintId } : {}),
        ...(c.reference ? { reference: c.reference } : {}),
      },
      c.orgId,
      false,
    );
    try {
      await tx.query(
        `INSERT INTO cert_claim (id, cancellation_id, serial_start, serial_end, org_id, amount_kwh, footprint_id,
           reference, actor, ledger_index, ledger_leaf)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          id,
          found.id,
          s.first.toString(),
          s.last.toString(),
          c.orgId,
          c.amountKWh.toString(),
          c.footprintId ?? null,
          c.reference ?? null,
          c.actor,
          ledger.index,
          ledger.leafHash,
        ],
      );
    } catch (e) {
      if (pgCode(e) === '23505' || pgCode(e) === '23P01')
        throw new AppError('conflict', `${c.field}: certificate ${found.serial} is already claimed`, {
          field: c.field,
          details: { certificate: found.serial },
        });
      throw e;
    }
    await this.insertTransaction(tx, {
      id: randomUUID(),
      kind: 'claim',
      issuanceId: found.issuanceId,
      first: s.first,
      last: s.last,
      quantity: BigInt(found.quantity),
      from: c.orgId,
      to: null,
      actor: c.actor,
      details: {
        claim: id,
        cancellation: found.id,
        amountKWh: c.amountKWh.toString(),
        footprint: c.footprintId ?? null,
      },
      ledger,
    });
    return (await this.claimsWhere(tx, 'cl.id = $1', [id]))[0]!;
  }

  /** A claim made directly (another report than a footprint: an RE100 report, a CBAM declaration). */
  async claim(
    input: unknown,
    viewer: Viewer,
    idempotencyKey?: string,
  ): Promise<{ claim: ClaimView; replayed: boolean }> {
    const c = parse(ClaimInput, input);
    const scope = viewer === 'system' ? 'operator' : `user:${viewer.id}`;
    const request = { op: 'claim', ...c, amountKWh: c.amountKWh.toString() };
    return this.once(scope, idempotencyKey, request, async (tx) => {
      const found = await this.findCancellation(tx, c.cancellation, 'cancellation', false);
      if (!found || !(this.canRead(viewer, found.holder.id) || this.canRead(viewer, found.beneficiary.id)))
        throw new AppError('not_found', `cancellation: no cancellation "${c.cancellation}"`, {
          field: 'cancellation',
        });
      if (!this.canWrite(viewer, found.beneficiary.id))
        throw new AppError(
          'forbidden',
          `cancellation: ${found.serial} is claimed by ${found.beneficiary.name}'s admins or members`,
          { field: 'cancellation' },
        );
      const claim = await this.claimIn(tx, {
        orgId: found.beneficiary.id,
        cancellation: found.id,
        amountKWh: c.amountKWh,
        ...(c.reference ? { reference: c.reference } : {}),
        actor: actorName(viewer),
        field: 'cancellation',
      });
      return { claim };
    });
  }

  /**
   * The footprint module's hook, inside its record transaction: a GEC, I-REC or EnergyTag
   * instrument whose id names a cancellation of this registry (its id, or a serial starting with
   * this registry's code) is claimed for the footprint, once. Other instruments (other registries,
   * PPAs) are left alone: the footprint records them as external instruments.
   */
  async claimForFootprint(tx: Queryable, c: InstrumentClaim): Promise<void> {
    const { instrument } = c;
    if (!REGISTRY_INSTRUMENTS.has(instrument.type)) return;
    const ours = instrument.id.startsWith(`${this.ctx.registryCode}-`);
    if (!ours) {
      if (!UUID_RE.test(instrument.id)) return;
      const known = await tx.query('SELECT 1 FROM cert_cancellation WHERE id = $1', [instrument.id]);
      if (known.length === 0) return;
    }
    const field = `${c.path}.id`;
    await this.claimIn(tx, {
      orgId: c.orgId,
      cancellation: instrument.id,
      amountKWh: convert(String(instrument.amount), instrument.unit, 'kWh', `${c.path}.unit`),
      footprintId: c.footprintId,
      actor: 'footprint record',
      field,
      scheme: instrument.type,
      year: c.year,
    });
  }

  private async claimsWhere(q: Queryable, where: string, params: unknown[]): Promise<ClaimView[]> {
    const rows = await q.query<{
      id: string;
      cancellation_id: string;
      serial_start: string;
      serial_end: string;
      org_id: string;
      slug: string;
      org_name: string;
      amount_kwh: string;
      footprint_id: string | null;
      reference: string | null;
      created_at: Date;
      ledger_index: string;
      ledger_leaf: string;
      scheme: SchemeCode;
      period_rule: Scheme['periodRule'];
      period_start: Date;
      country: string;
      device_code: string;
    }>(
      `SELECT cl.*, o.slug, o.name AS org_name, i.scheme, s.period_rule, i.period_start, d.country, d.code AS device_code
       FROM cert_claim cl JOIN cert_cancellation c ON c.id = cl.cancellation_id
       JOIN cert_issuance i ON i.id = c.issuance_id JOIN cert_scheme s ON s.code = i.scheme
       JOIN cert_device d ON d.id = i.device_id JOIN organisation o ON o.id = cl.org_id
       WHERE ${where} ORDER BY cl.created_at DESC LIMIT ${LIST_LIMIT}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      cancellationId: r.cancellation_id,
      serial: this.serialOf(r, r.serial_start, r.serial_end),
      scheme: r.scheme,
      org: { id: r.org_id, slug: r.slug, name: r.org_name },
      amountKWh: r.amount_kwh,
      footprintId: r.footprint_id,
      reference: r.reference,
      createdAt: iso(r.created_at),
      ledger: { index: Number(r.ledger_index), leafHash: r.ledger_leaf },
    }));
  }

  async listClaims(viewer: Viewer): Promise<ClaimView[]> {
    if (seesAll(viewer)) return this.claimsWhere(this.db, 'true', []);
    return this.claimsWhere(this.db, 'cl.org_id = ANY($1::uuid[])', [
      viewer === 'system' ? [] : orgIdsOf(viewer),
    ]);
  }
}
