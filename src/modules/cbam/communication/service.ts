import { randomUUID } from 'node:crypto';
import { hasRoleIn, orgIdsOf, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { CbamDeps } from '../context.js';
import type { CbamCommunication, CbamInstallations, Viewer } from '../contract.js';
import type { InstallationService } from '../installations/index.js';
import { COMMUNICATION_FORMAT, type CommunicationFile, type InstallationData } from '../model.js';
import type { RulesService } from '../rules/index.js';
import { CommunicationFileSchema, type IssuedSummary } from './model.js';
import { fileHash, loadSecretKey, orgKey, signHash, thumbprint, verifyHash } from './signing.js';
import { embeddedJson, loadWorkbook, readInstallationData, toXlsx } from './workbook.js';

/** Who may issue a file for an installation of their organisation. */
const ISSUE_ROLES: readonly Role[] = ['admin', 'member'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const LEDGER_TYPE = 'cbam.communication';

interface Row {
  id: string;
  org_id: string;
  installation_id: string;
  installation_version: number;
  installation_name: string;
  sha256: string;
  key_thumbprint: string;
  ledger_index: string | number;
  json: string;
  issued_at: Date | string;
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const summaryOf = (r: Row): IssuedSummary => ({
  id: r.id,
  installationId: r.installation_id,
  installationVersion: r.installation_version,
  installationName: r.installation_name,
  sha256: r.sha256,
  keyThumbprint: r.key_thumbprint,
  ledgerIndex: Number(r.ledger_index),
  issuedAt: iso(r.issued_at),
});

/** Leaf paths where two JSON values differ (at most `limit`), to name what was changed in a file. */
function differences(a: unknown, b: unknown, path = '', out: string[] = [], limit = 10): string[] {
  if (out.length >= limit) return out;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || '(the whole file)');
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'proof' && path === '') continue;
    differences(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      path ? `${path}.${k}` : k,
      out,
      limit,
    );
  }
  return out;
}

/** The communication file: built from an installation's data and calculation, signed, recorded, kept. */
export class CommunicationService implements CbamCommunication {
  private secretKey: Buffer | undefined;
  /** The installations part, through its contract. */
  private readonly inst: CbamInstallations;

  constructor(
    readonly deps: CbamDeps,
    readonly rules: RulesService,
    readonly installations: InstallationService,
  ) {
    this.inst = installations;
  }

  private key(): Buffer {
    // The data directory the server or CLI runs with; several servers on one database share it.
    // Without one (tests), a key for this process only, as the registry's peer credentials do.
    const dir = this.deps.dataDir;
    try {
      this.secretKey ??= loadSecretKey(dir);
    } catch (e) {
      // Another process made the key file between our check and our write: read theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      this.secretKey = loadSecretKey(dir);
    }
    return this.secretKey;
  }

  private canRead(viewer: Viewer, orgId: string): boolean {
    return viewer === 'system' || orgIdsOf(viewer).includes(orgId);
  }

  async issue(viewer: Viewer, installationId: string): Promise<CommunicationFile> {
    const installation = await this.inst.get(viewer, installationId);
    if (viewer !== 'system' && !hasRoleIn(viewer, installation.orgId, ISSUE_ROLES))
      throw new AppError(
        'forbidden',
        'issuing a communication file needs the admin or member role in its organisation',
      );
    const results = await this.inst.calculate(viewer, installationId, installation.version);
    const org = (
      await this.deps.db.query<{ slug: string; name: string }>(
        'SELECT slug, name FROM organisation WHERE id = $1',
        [installation.orgId],
      )
    )[0];
    if (!org) throw new AppError('not_found', 'the organisation of this installation is gone');
    const unsigned: CommunicationFile = {
      format: COMMUNICATION_FORMAT,
      id: randomUUID(),
      issuedAt: new Date().toISOString(),
      issuer: { org: org.slug, name: org.name },
      data: installation.data,
      results,
    };
    // The hash is of the JSON as it will be read back: undefined values dropped.
    const file = JSON.parse(JSON.stringify(unsigned)) as CommunicationFile;
    const sha256 = fileHash(file as unknown as Record<string, unknown>);
    const key = await orgKey(this.deps.db, this.key(), installation.orgId);
    const jws = await signHash(key, sha256);
    return this.deps.db.transaction(async (tx) => {
      // Public, and only what proves the file: the figures stay with the organisation.
      const appended = await this.deps.ledger.append(tx, {
        type: LEDGER_TYPE,
        subject: `cbam-communication:${file.id}`,
        body: { fileId: file.id, sha256, keyThumbprint: key.thumbprint },
        orgId: installation.orgId,
        public: true,
      });
      const signed: CommunicationFile = {
        ...file,
        proof: {
          jws,
          publicKey: key.publicJwk,
          sha256,
          ledger: { origin: this.deps.ledger.origin, index: appended.index, leafHash: appended.leafHash },
        },
      };
      await tx.query(
        `INSERT INTO cbam_communication (id, org_id, installation_id, installation_version, installation_name,
           sha256, key_thumbprint, ledger_index, json, issued_by, issued_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          file.id,
          installation.orgId,
          installation.id,
          installation.version,
          installation.name,
          sha256,
          key.thumbprint,
          appended.index,
          JSON.stringify(signed),
          viewer === 'system' ? 'system' : viewer.id,
          file.issuedAt,
        ],
      );
      return signed;
    });
  }

  /** The files issued by the caller's organisations (or one of them). */
  async list(viewer: Viewer, orgId?: string): Promise<IssuedSummary[]> {
    if (orgId !== undefined && !this.canRead(viewer, orgId)) return [];
    const orgIds = orgId !== undefined ? [orgId] : viewer === 'system' ? null : orgIdsOf(viewer);
    if (orgIds !== null && orgIds.length === 0) return [];
    const rows =
      orgIds === null
        ? await this.deps.db.query<Row>('SELECT * FROM cbam_communication ORDER BY issued_at DESC LIMIT 1000')
        : await this.deps.db.query<Row>(
            'SELECT * FROM cbam_communication WHERE org_id = ANY($1::uuid[]) ORDER BY issued_at DESC LIMIT 1000',
            [orgIds],
          );
    return rows.map(summaryOf);
  }

  /** One issued file, exactly as signed; not found for other organisations. */
  async get(viewer: Viewer, id: string): Promise<CommunicationFile> {
    const row = UUID_RE.test(id)
      ? (await this.deps.db.query<Row>('SELECT * FROM cbam_communication WHERE id = $1', [id]))[0]
      : undefined;
    if (!row || !this.canRead(viewer, row.org_id))
      throw new AppError('not_found', `no communication file ${id}`, { field: 'id' });
    return JSON.parse(row.json) as CommunicationFile;
  }

  async getXlsx(viewer: Viewer, id: string): Promise<Buffer> {
    return toXlsx(await this.get(viewer, id));
  }

  toXlsx(file: CommunicationFile): Promise<Buffer> {
    return toXlsx(file);
  }

  async fromXlsx(bytes: Buffer): Promise<{ data: InstallationData; file: CommunicationFile | null }> {
    const wb = await loadWorkbook(bytes);
    const json = embeddedJson(wb);
    const data = readInstallationData(wb);
    return { data, file: json === null ? null : (json as CommunicationFile) };
  }

  /** Verifies JSON, or an XLSX we issued (its hidden sheet holds the signed JSON). */
  async verifyBytes(
    bytes: Buffer,
  ): Promise<{ valid: boolean; reasons: string[]; publicKeyThumbprint: string | null }> {
    if (bytes.subarray(0, 2).toString('latin1') === 'PK') {
      const json = embeddedJson(await loadWorkbook(bytes));
      if (json === null)
        return {
          valid: false,
          reasons: [
            'the workbook holds no signed file (no GT_Data sheet): a template filled in by hand is not signed',
          ],
          publicKeyThumbprint: null,
        };
      return this.verify(json);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new AppError('bad_request', 'neither JSON nor an XLSX workbook');
    }
    return this.verify(parsed);
  }

  async verify(
    input: unknown,
  ): Promise<{ valid: boolean; reasons: string[]; publicKeyThumbprint: string | null }> {
    const reasons: string[] = [];
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      return { valid: false, reasons: ['not a JSON object'], publicKeyThumbprint: null };
    const raw = input as Record<string, unknown>;
    const parsed = CommunicationFileSchema.safeParse(raw);
    if (!parsed.success)
      for (const issue of parsed.error.issues.slice(0, 10))
        reasons.push(`${issue.path.join('.') || 'file'}: ${issue.message}`);
    const proof = raw['proof'] as CommunicationFile['proof'];
    if (!proof || typeof proof !== 'object')
      return {
        valid: false,
        reasons: [...reasons, 'proof: the file is not signed'],
        publicKeyThumbprint: null,
      };

    let sha256: string;
    try {
      sha256 = fileHash(raw);
    } catch {
      return {
        valid: false,
        reasons: [...reasons, 'the file cannot be put in canonical form'],
        publicKeyThumbprint: null,
      };
    }
    let keyThumbprint: string | null = null;
    try {
      keyThumbprint = await thumbprint(proof.publicKey);
    } catch {
      reasons.push('proof.publicKey: not a usable public key (JWK)');
    }

    if (sha256 !== proof.sha256) {
      // Name what changed when this server issued the file; otherwise the hash is all there is.
      const issued = UUID_RE.test(String(raw['id']))
        ? (await this.deps.db.query<Row>('SELECT json FROM cbam_communication WHERE id = $1', [raw['id']]))[0]
        : undefined;
      const changed = issued ? differences(JSON.parse(issued.json), raw) : [];
      reasons.push(
        changed.length > 0
          ? `the content does not match its hash: changed since it was issued: ${changed.join(', ')}`
          : `the content does not match its hash: SHA-256 of the file is ${sha256}, the proof says ${proof.sha256}`,
      );
    }
    if (keyThumbprint !== null) {
      if (!(await verifyHash(proof.jws, sha256, proof.publicKey)))
        reasons.push(
          sha256 !== proof.sha256 && (await verifyHash(proof.jws, proof.sha256, proof.publicKey))
            ? 'the signature is over the original content, not this one'
            : 'the signature does not verify with the embedded public key',
        );
    }

    if (proof.ledger && proof.ledger.origin === this.deps.ledger.origin) {
      try {
        const entry = await this.deps.ledger.entry(proof.ledger.index, null);
        const body = (entry.body ?? {}) as Record<string, unknown>;
        if (entry.type !== LEDGER_TYPE || body['fileId'] !== raw['id'])
          reasons.push(`ledger entry ${proof.ledger.index} does not record this file`);
        else {
          if (body['sha256'] !== sha256)
            reasons.push(
              `ledger entry ${proof.ledger.index} records SHA-256 ${String(body['sha256'])}, the file's is ${sha256}`,
            );
          if (keyThumbprint !== null && body['keyThumbprint'] !== keyThumbprint)
            reasons.push(
              `signed with key ${keyThumbprint}, but ledger entry ${proof.ledger.index} records key ${String(body['keyThumbprint'])}`,
            );
          if (entry.leafHash !== proof.ledger.leafHash)
            reasons.push(`proof.ledger.leafHash does not match ledger entry ${proof.ledger.index}`);
        }
      } catch (e) {
        if (e instanceof AppError && e.code === 'not_found')
          reasons.push(`ledger entry ${proof.ledger.index} does not exist in ${proof.ledger.origin}`);
        else throw e;
      }
    }
    return { valid: reasons.length === 0, reasons, publicKeyThumbprint: keyThumbprint };
  }
}
