// The importer's side of CBAM: supplier files checked and kept in versions, shipments imported
// all or nothing, and the quarterly report and annual declaration aggregated from them.
import { randomUUID } from 'node:crypto';
import { hasRoleIn, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { CbamDeps } from '../context.js';
import type {
  CbamCommunication,
  CbamImporter,
  CbamInstallations,
  CbamRules,
  ScopeAnswer,
  Viewer,
} from '../contract.js';
import { COMMUNICATION_FORMAT, type CommunicationFile } from '../model.js';
import { aggregate, type Aggregation, type LinkedShipment } from './aggregate.js';
import { parseShipmentsCsv, refuse, resolveShipments, type CnLookup, type LineIssue } from './shipments.js';
import * as store from './store.js';
import { checkFigures, checkSchema, cnCodesOf, type Issue } from './validate.js';
import { declarationXml, type Declaration } from './xml.js';

/** Who may act for an importer: its admins and members. */
const IMPORTER_ROLES: readonly Role[] = ['admin', 'member'];
export const MAX_SUPPLIER_FILE_BYTES = 5 * 1024 * 1024;
const XLSX_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export interface ImportedFile {
  id: string;
  supplier: string;
  installation: string;
  version: number;
  warnings: string[];
}

export interface Report extends Omit<Declaration, 'deMinimis' | 'dueDate'> {
  quarter: number;
}

/** The first issue as the error (its field), all of them (up to 20) in the details. */
const reject = (issues: readonly Issue[]): never => {
  const first = issues[0]!;
  throw new AppError(
    'validation_failed',
    issues.length > 1 ? `${first.message} (and ${issues.length - 1} more)` : first.message,
    { field: first.field, details: { issues: issues.slice(0, 20) } },
  );
};

const identityOf = (name: string, country: string, operator: string) =>
  `${name.trim().toLowerCase()}|${country}|${operator.trim().toLowerCase()}`;

const yearOf = (year: number) => {
  if (!Number.isInteger(year) || year < 2023 || year > 2100)
    throw new AppError('bad_request', `year: ${year} is not a CBAM year`, { field: 'year' });
  return year;
};

export class ImporterService implements CbamImporter {
  constructor(
    readonly deps: CbamDeps,
    readonly rules: CbamRules,
    readonly communication: CbamCommunication,
    readonly installations: CbamInstallations,
  ) {}

  private get db() {
    return this.deps.db;
  }

  /**
   * The organisation the caller acts for: the one named (id or slug), or its only one. Another
   * organisation answers 404, as if it did not exist.
   */
  async org(viewer: Viewer, org?: string): Promise<store.OrgRow> {
    if (org === undefined || org === '') {
      if (viewer === 'system')
        throw new AppError('bad_request', 'org: name the organisation', { field: 'org' });
      const mine = [
        ...new Set(viewer.memberships.filter((m) => IMPORTER_ROLES.includes(m.role)).map((m) => m.orgId)),
      ];
      if (mine.length === 0)
        throw new AppError('forbidden', "CBAM imports are an organisation's admins' and members' work", {
          field: 'org',
        });
      if (mine.length > 1)
        throw new AppError('bad_request', 'org: you belong to several organisations; name one', {
          field: 'org',
        });
      return (await store.findOrg(this.db, mine[0]!))!;
    }
    const row = await store.findOrg(this.db, org.trim());
    if (!row || (viewer !== 'system' && !viewer.memberships.some((m) => m.orgId === row.id)))
      throw new AppError('not_found', `org: no organisation "${org}" of yours`, { field: 'org' });
    if (viewer !== 'system' && !hasRoleIn(viewer, row.id, IMPORTER_ROLES))
      throw new AppError('forbidden', `org: CBAM imports are ${IMPORTER_ROLES.join(' and ')} work`, {
        field: 'org',
      });
    return row;
  }

  private actor = (viewer: Viewer) => (viewer === 'system' ? 'system' : `${viewer.kind}:${viewer.id}`);

  private async scopeOf(codes: readonly string[]): Promise<Map<string, ScopeAnswer>> {
    const out = new Map<string, ScopeAnswer>();
    for (const cn of codes) {
      try {
        out.set(cn, await this.rules.scope(cn));
      } catch (e) {
        // An unknown code is refused like an out-of-scope one, with the rules part's reason.
        if (!(e instanceof AppError && e.status < 500)) throw e;
        out.set(cn, { cn, inScope: false, sector: null, reason: e.message });
      }
    }
    return out;
  }

  /** Reads JSON or a workbook into a communication file (or what the file claims to be). */
  private async read(bytes: Buffer, filename: string): Promise<{ raw: unknown; format: 'json' | 'xlsx' }> {
    if (bytes.length > MAX_SUPPLIER_FILE_BYTES)
      throw new AppError(
        'payload_too_large',
        `${filename}: over ${MAX_SUPPLIER_FILE_BYTES / 1024 / 1024} MiB`,
        {
          field: 'file',
        },
      );
    if (bytes.subarray(0, 4).equals(XLSX_MAGIC)) {
      let read: Awaited<ReturnType<CbamCommunication['fromXlsx']>>;
      try {
        read = await this.communication.fromXlsx(bytes);
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw new AppError(
          'validation_failed',
          `${filename}: not a readable CBAM communication workbook (${(e as Error).message})`,
          {
            field: 'file',
          },
        );
      }
      if (read.file) return { raw: read.file, format: 'xlsx' };
      // A template filled in by hand carries the installation's data, not the figures per good:
      // they are calculated here by the same method, and the file stays unsigned.
      const results = await this.installations.calculateData(read.data);
      const file: CommunicationFile = {
        format: COMMUNICATION_FORMAT,
        id: randomUUID(),
        issuedAt: new Date().toISOString(),
        issuer: { org: '', name: read.data.installation.operator },
        data: read.data,
        results,
      };
      return { raw: file, format: 'xlsx' };
    }
    try {
      return { raw: JSON.parse(bytes.toString('utf8')), format: 'json' };
    } catch (e) {
      throw new AppError(
        'validation_failed',
        `${filename}: neither JSON nor an XLSX workbook (${(e as Error).message})`,
        {
          field: 'file',
        },
      );
    }
  }

  async importSupplierFile(
    viewer: Viewer,
    orgId: string,
    bytes: Buffer,
    filename: string,
  ): Promise<ImportedFile> {
    const org = await this.org(viewer, orgId);
    const name = (filename || 'supplier-file').slice(0, 200);
    const { raw, format } = await this.read(bytes, name);
    const schema = checkSchema(raw);
    if (!schema.parsed) return reject(schema.issues);
    const parsed = schema.parsed;
    const year = Math.max(2026, Number(parsed.data.reportingPeriod.end.slice(0, 4)));
    const [scope, snapshot] = await Promise.all([this.scopeOf(cnCodesOf(parsed)), this.rules.snapshot(year)]);
    const figures = checkFigures(parsed, scope, snapshot);
    if (figures.issues.length > 0) reject(figures.issues);
    const warnings: string[] = [];
    let thumbprint: string | null = null;
    if (parsed.proof === undefined || parsed.proof === null) {
      warnings.push(
        'unsigned: the file carries no signature, so its origin and integrity cannot be checked (a template filled in by hand)',
      );
    } else {
      const v = await this.communication.verify(raw);
      if (!v.valid)
        throw new AppError(
          'validation_failed',
          `proof: the signature does not verify: ${v.reasons.join('; ')}`,
          {
            field: 'proof',
            details: { reasons: v.reasons },
          },
        );
      thumbprint = v.publicKeyThumbprint;
    }
    const inst = parsed.data.installation;
    const fileId =
      typeof (raw as { id?: unknown }).id === 'string' ? ((raw as { id: string }).id as string) : null;
    return this.db.transaction(async (tx) => {
      const supplier = await store.lockSupplier(tx, {
        orgId: org.id,
        identity: identityOf(inst.name, inst.country, inst.operator),
        name: inst.name.trim(),
        country: inst.country,
        operator: inst.operator.trim(),
      });
      if (thumbprint !== null) {
        if (supplier.key_thumbprint === null) await store.pinKey(tx, supplier.id, thumbprint);
        else if (supplier.key_thumbprint !== thumbprint)
          throw new AppError(
            'conflict',
            `proof: ${inst.name} (${inst.country}, ${inst.operator}) is pinned to key ${supplier.key_thumbprint} from its first signed file; this file is signed with key ${thumbprint}`,
            { field: 'proof', details: { pinned: supplier.key_thumbprint, presented: thumbprint } },
          );
      } else if (supplier.key_thumbprint !== null)
        warnings.push(
          `unsigned: earlier files of this supplier were signed with key ${supplier.key_thumbprint}`,
        );
      const version = await store.nextVersion(tx, supplier.id);
      const id = await store.insertFile(tx, {
        orgId: org.id,
        supplierId: supplier.id,
        version,
        filename: name,
        format,
        signed: thumbprint !== null,
        keyThumbprint: thumbprint,
        fileId,
        period: parsed.data.reportingPeriod,
        goods: figures.goods,
        warnings,
        file: raw,
        actor: this.actor(viewer),
      });
      return { id, supplier: supplier.id, installation: supplier.name, version, warnings };
    });
  }

  async listSupplierFiles(viewer: Viewer, org?: string): Promise<store.SupplierFileRow[]> {
    const o = await this.org(viewer, org);
    return store.listFiles(this.db, o.id);
  }

  async getSupplierFile(viewer: Viewer, id: string, org?: string) {
    const o = await this.org(viewer, org);
    const f = await store.getFile(this.db, o.id, id);
    if (!f) throw new AppError('not_found', `no supplier file ${id}`, { field: 'id' });
    return f;
  }

  /** Each CN code's CBAM scope; a code the nomenclature does not have is unknown (the rules part refuses it). */
  private async lookupCodes(codes: readonly string[]): Promise<Map<string, CnLookup>> {
    const out = new Map<string, CnLookup>();
    for (const cn of codes) {
      try {
        out.set(cn, { known: true, scope: await this.rules.scope(cn) });
      } catch (e) {
        if (e instanceof AppError && e.status < 500) out.set(cn, { known: false, scope: null });
        else throw e;
      }
    }
    return out;
  }

  async importShipments(viewer: Viewer, orgId: string, csv: string): Promise<{ imported: number }> {
    const org = await this.org(viewer, orgId);
    const parsed = parseShipmentsCsv(csv);
    const lookup = await this.lookupCodes([...new Set(parsed.lines.map((l) => l.cn))]);
    const resolved = resolveShipments(parsed.lines, lookup);
    const issues: LineIssue[] = [...parsed.issues, ...resolved.issues].sort((a, b) => a.line - b.line);
    if (issues.length > 0) refuse(issues);
    if (resolved.rows.length === 0)
      throw new AppError('validation_failed', 'the CSV has no shipments', { field: 'csv' });
    return this.db.transaction(async (tx) => {
      const taken = new Set(
        await store.existingReferences(
          tx,
          org.id,
          resolved.rows.map((r) => r.reference),
        ),
      );
      if (taken.size > 0)
        refuse(
          resolved.rows
            .filter((r) => taken.has(r.reference))
            .map((r) => ({
              line: r.line,
              column: 'reference',
              message: `line ${r.line}, reference: '${r.reference}' was imported before`,
            })),
        );
      await store.insertShipments(tx, org.id, resolved.rows, this.actor(viewer));
      return { imported: resolved.rows.length };
    });
  }

  private async aggregateFor(orgId: string, year: number, from: string, to: string): Promise<Aggregation> {
    const [shipments, files, snapshot, deMinimis] = await Promise.all([
      store.shipmentsOf(this.db, orgId, from, to),
      store.latestFiles(this.db, orgId),
      this.rules.snapshot(year),
      this.rules.deMinimis(year),
    ]);
    return aggregate(
      shipments,
      files.map((f) => ({
        id: f.id,
        supplierId: f.supplier,
        version: f.version,
        installation: f.installation,
        country: f.country,
        goods: f.goods,
      })),
      snapshot,
      deMinimis,
    );
  }

  async shipments(viewer: Viewer, orgId: string | undefined, year: number): Promise<LinkedShipment[]> {
    const org = await this.org(viewer, orgId);
    const y = yearOf(year);
    return (await this.aggregateFor(org.id, y, `${y}-01-01`, `${y}-12-31`)).shipments;
  }

  async declaration(viewer: Viewer, orgId: string | undefined, year: number): Promise<Declaration> {
    const org = await this.org(viewer, orgId);
    const y = yearOf(year);
    const period = { start: `${y}-01-01`, end: `${y}-12-31` };
    const { shipments: _linked, ...agg } = await this.aggregateFor(org.id, y, period.start, period.end);
    return {
      ...agg,
      year: y,
      declarant: { id: org.id, slug: org.slug, name: org.name },
      dueDate: `${y + 1}-09-30`,
      period,
    };
  }

  async declarationXml(viewer: Viewer, orgId: string | undefined, year: number): Promise<string> {
    return declarationXml(await this.declaration(viewer, orgId, year));
  }

  /** The periodic report of one quarter: the declaration's lines over the quarter's shipments. */
  async report(viewer: Viewer, orgId: string | undefined, year: number, quarter: number): Promise<Report> {
    const org = await this.org(viewer, orgId);
    const y = yearOf(year);
    if (![1, 2, 3, 4].includes(quarter))
      throw new AppError('bad_request', `quarter: ${quarter} is not 1, 2, 3 or 4`, { field: 'quarter' });
    const startMonth = (quarter - 1) * 3 + 1;
    const endDay = new Date(Date.UTC(y, startMonth + 2, 0)).getUTCDate();
    const period = {
      start: `${y}-${String(startMonth).padStart(2, '0')}-01`,
      end: `${y}-${String(startMonth + 2).padStart(2, '0')}-${endDay}`,
    };
    const {
      shipments: _s,
      deMinimis: _d,
      ...agg
    } = await this.aggregateFor(org.id, y, period.start, period.end);
    return { ...agg, year: y, quarter, declarant: { id: org.id, slug: org.slug, name: org.name }, period };
  }
}
