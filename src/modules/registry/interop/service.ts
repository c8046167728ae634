/**
 * Transfers between two GreenTrade registries.
 *
 * Sender: an export moves the units to `pending_export` (locked: nobody can use them) and records
 * an outgoing transfer with the signed message, in one transaction. The message then goes to the
 * peer; its signed answer completes the transfer in one more transaction: acknowledged, the units
 * become `exported` (final); rejected, they go back to `held`. Until an answer is known the units
 * stay pending; the reconciler asks the peer for the outcome (and sends the message again when the
 * peer never received it: the peer answers a replay with the answer it gave first).
 *
 * Receiver: a message from a registered peer (its API client, its Ed25519 signature) is checked,
 * and in one transaction either accepted (mirror project if needed, mirror holdings issued into
 * the destination account, the incoming record with our signed acknowledgement) or rejected (the
 * incoming record with our signed rejection and the reason). Both are kept, so a replay of the same
 * transfer id, or a status query, gets the same signed answer and changes nothing.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../../../db/index.js';
import { hasRoleIn, orgIdsOf, type Principal, type Role } from '../../../kernel/access.js';
import { AppError, isAppError } from '../../../kernel/errors.js';
import { identityAdmin } from '../../identity/index.js';
import type { RegistryContext } from '../context.js';
import type { AccountRow, BlockRow, SerialRange, UnitSelection } from '../units/index.js';
import {
  canonical,
  decryptSecret,
  encryptSecret,
  loadRegistrySigner,
  loadSecretKey,
  signMessage,
  verifyMessage,
  type RegistrySigner,
} from './crypto.js';
import {
  AnswerMessage,
  PROTOCOL,
  type ExportCreate,
  type ExportView,
  type ImportView,
  type PeerCreate,
  type PeerUpdate,
  type PeerView,
  type ReconcileReport,
  type TransferMessage,
  type WireUnits,
} from './model.js';
import * as store from './store.js';

/** The local operator (CLI) or a signed-in caller. */
export type Viewer = Principal | 'system';

/** How this registry reaches a peer: `fetch`, or (tests) another app's handler. */
export type Transport = (url: string, init: RequestInit) => Promise<Response>;

/** What the projects part may offer: quality controls for imported units (vintage, methodology, labels). */
interface ImportControls {
  checkImport?: (tx: Queryable, input: Record<string, unknown>) => Promise<unknown>;
}

const INCOMING_PATH = '/api/v1/registry/interop/incoming';
const TOKEN_PATH = '/api/v1/auth/token';
const MAX_ANSWER_BYTES = 1 << 20;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const leaf = (hex: string): Buffer => Buffer.from(hex, 'hex');
const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);
const isOperator = (v: Viewer): boolean =>
  v === 'system' || v.memberships.some((m) => m.role === 'registry_operator');
const seesAll = (v: Viewer): boolean =>
  v === 'system' || v.memberships.some((m) => m.role === 'registry_operator' || m.role === 'regulator');
const actorOf = (v: Viewer): string => (v === 'system' ? 'system' : v.id);
const isUniqueViolation = (e: unknown): boolean => (e as { code?: string } | null)?.code === '23505';
const HOLDER_ROLES: readonly Role[] = ['admin', 'member'];

/** Records that keep a ledger entry's index and leaf hash: `ledger verify` checks them. */
const interopReferences = [
  {
    name: 'registry peers',
    sql: `SELECT 'registry peer ' || code AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_interop_peer WHERE ledger_index IS NOT NULL`,
  },
  {
    name: 'registry exports',
    sql: `SELECT 'registry export ' || id AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_interop_outgoing`,
  },
  {
    name: 'registry export completions',
    sql: `SELECT 'registry export completion ' || id AS ref, completion_ledger_index AS idx, completion_leaf_hash AS leaf
            FROM registry_interop_outgoing WHERE completion_ledger_index IS NOT NULL`,
  },
  {
    name: 'registry imports',
    sql: `SELECT 'registry import ' || id AS ref, ledger_index AS idx, leaf_hash AS leaf FROM registry_interop_incoming`,
  },
];

/** A refusal the receiver answers with a signed rejection. */
class Refusal extends Error {}

/** A failure talking to a peer: the transfer stays pending and is tried again. */
export class PeerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PeerError';
  }
}

export class InteropService {
  readonly signer: RegistrySigner;
  /** Replaced in tests by another app's `fetch` handler; the protocol is the same. */
  transport: Transport = (url, init) => fetch(url, init);
  /** Per request to a peer. */
  timeoutMs = 10_000;
  private secretKey: Buffer | undefined;
  private importControls: ImportControls | undefined;
  private readonly tokens = new Map<string, { value: string; until: number }>();
  private reconciling: Promise<ReconcileReport> | undefined;

  constructor(readonly ctx: RegistryContext) {
    this.signer = loadRegistrySigner(ctx.dataDir);
    for (const r of interopReferences) ctx.ledger.registerReferences(r);
  }

  /** The projects part's quality controls for imports, when it offers them. */
  useImportControls(projects: unknown): void {
    this.importControls = projects as ImportControls;
  }

  private key(): Buffer {
    this.secretKey ??= loadSecretKey(this.ctx.dataDir);
    return this.secretKey;
  }

  publicKey() {
    return {
      registry: this.ctx.registryCode,
      algorithm: 'Ed25519' as const,
      publicKey: this.signer.publicKey,
      publicUrl: this.ctx.publicUrl,
      protocol: PROTOCOL,
    };
  }

  /* ------------------------------------------------------------------ peers */

  private peerView(r: store.PeerRow, viewer: Viewer): PeerView {
    const full = seesAll(viewer);
    return {
      code: r.code,
      name: r.name,
      baseUrl: r.base_url,
      publicKey: r.public_key,
      credentials: r.client_id !== null && r.secret_enc !== null,
      clientId: full ? r.client_id : null,
      inboundClientId: full ? r.inbound_client_id : null,
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
    };
  }

  async listPeers(viewer: Viewer): Promise<PeerView[]> {
    return (await store.peers(this.ctx.db)).map((r) => this.peerView(r, viewer));
  }

  async getPeer(code: string, viewer: Viewer): Promise<PeerView> {
    const r = await store.peer(this.ctx.db, code);
    if (!r) throw new AppError('not_found', `no peer registry ${code}`, { field: 'code' });
    return this.peerView(r, viewer);
  }

  /**
   * Registers a peer registry. Makes the API client the peer will call us with (its secret is
   * answered once, to be given to the peer's operator) and keeps the credentials we call the
   * peer with, the secret encrypted.
   */
  async createPeer(
    input: PeerCreate,
    viewer: Viewer,
  ): Promise<PeerView & { inbound: { clientId: string; clientSecret: string } }> {
    if (!isOperator(viewer)) throw new AppError('forbidden', 'only the registry operator registers peers');
    if (input.code === this.ctx.registryCode)
      throw new AppError('bad_request', `code: ${input.code} is this registry's own code`, { field: 'code' });
    if ((input.clientId === undefined) !== (input.clientSecret === undefined))
      throw new AppError('bad_request', 'clientSecret: give clientId and clientSecret together', {
        field: input.clientId === undefined ? 'clientId' : 'clientSecret',
      });
    const baseUrl = normaliseUrl(input.baseUrl);
    const clientSecret = randomBytes(24).toString('base64url');
    const clientId = `registry-peer-${input.code.toLowerCase()}-${randomBytes(3).toString('hex')}`;
    try {
      await this.ctx.db.transaction(async (tx) => {
        if (await store.peer(tx, input.code))
          throw new AppError('conflict', `peer ${input.code} is registered already`, { field: 'code' });
        const orgId = await identityAdmin.ensureOrg(
          tx,
          `registry-peer-${input.code.toLowerCase()}`,
          `Registry ${input.code} (peer)`,
        );
        // No role anywhere: the peer's client may only call the peer-only routes.
        await identityAdmin.createClient(tx, {
          clientId,
          name: `Peer registry ${input.code}`,
          orgId,
          roles: [],
          secret: clientSecret,
        });
        await store.insertPeer(tx, {
          code: input.code,
          name: input.name,
          baseUrl,
          publicKey: input.publicKey,
          clientId: input.clientId ?? null,
          secretEnc:
            input.clientSecret === undefined
              ? null
              : encryptSecret(this.key(), input.code, input.clientSecret),
          inboundClientId: clientId,
          orgId,
          createdBy: actorOf(viewer),
        });
        const appended = await this.ctx.ledger.append(tx, {
          type: 'registry.interop.peer',
          subject: input.code,
          body: { code: input.code, baseUrl, publicKey: input.publicKey, inboundClientId: clientId },
          orgId,
        });
        await store.setPeerLedger(tx, input.code, appended.index, leaf(appended.leafHash));
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new AppError('conflict', `peer ${input.code} is registered already`, { field: 'code' });
      throw e;
    }
    return { ...(await this.getPeer(input.code, viewer)), inbound: { clientId, clientSecret } };
  }

  async updatePeer(code: string, input: PeerUpdate, viewer: Viewer): Promise<PeerView> {
    if (!isOperator(viewer)) throw new AppError('forbidden', 'only the registry operator changes peers');
    if ((input.clientId === undefined) !== (input.clientSecret === undefined))
      throw new AppError('bad_request', 'clientSecret: give clientId and clientSecret together', {
        field: input.clientId === undefined ? 'clientId' : 'clientSecret',
      });
    await this.ctx.db.transaction(async (tx) => {
      const r = await store.peer(tx, code);
      if (!r) throw new AppError('not_found', `no peer registry ${code}`, { field: 'code' });
      const next = {
        name: input.name ?? r.name,
        baseUrl: input.baseUrl === undefined ? r.base_url : normaliseUrl(input.baseUrl),
        publicKey: input.publicKey ?? r.public_key,
        clientId: input.clientId ?? r.client_id,
        secretEnc:
          input.clientSecret === undefined
            ? r.secret_enc
            : encryptSecret(this.key(), code, input.clientSecret),
      };
      await store.updatePeer(tx, code, next);
      const appended = await this.ctx.ledger.append(tx, {
        type: 'registry.interop.peer',
        subject: code,
        body: {
          code,
          baseUrl: next.baseUrl,
          publicKey: next.publicKey,
          credentialsChanged: input.clientSecret !== undefined,
        },
        orgId: r.org_id,
      });
      await store.setPeerLedger(tx, code, appended.index, leaf(appended.leafHash));
    });
    this.tokens.delete(code);
    return this.getPeer(code, viewer);
  }

  /* ---------------------------------------------------------------- exports */

  private exportView(r: store.OutgoingRow, replayed?: boolean): ExportView {
    const answer = r.answer as {
      mirrors?: { originSerial: string; serial: string; quantity: string }[];
    } | null;
    return {
      id: r.id,
      peer: r.peer_code,
      toAccount: r.to_account,
      fromAccount: { id: r.from_account_id, number: r.from_account_number },
      orgId: r.org_id,
      quantity: String(r.quantity),
      ranges: r.ranges.map((x) => ({ start: x.start, end: x.end, serial: x.serial })),
      state: r.state,
      reason: r.reason,
      mirrors: answer?.mirrors ?? [],
      attempts: r.attempts,
      lastError: r.last_error,
      lastAttemptAt: iso(r.last_attempt_at),
      actor: r.actor,
      ledger:
        r.ledger_index === null
          ? null
          : { index: Number(r.ledger_index), leafHash: Buffer.from(r.leaf_hash!).toString('hex') },
      completionLedger:
        r.completion_ledger_index === null
          ? null
          : {
              index: Number(r.completion_ledger_index),
              leafHash: Buffer.from(r.completion_leaf_hash!).toString('hex'),
            },
      createdAt: iso(r.created_at)!,
      completedAt: iso(r.completed_at),
      ...(replayed === undefined ? {} : { replayed }),
    };
  }

  async listExports(viewer: Viewer, state?: string): Promise<ExportView[]> {
    const orgIds = seesAll(viewer) ? null : orgIdsOf(viewer as Principal);
    return (await store.outgoingList(this.ctx.db, orgIds, state)).map((r) => this.exportView(r));
  }

  async getExport(id: string, viewer: Viewer): Promise<ExportView> {
    return this.exportView(await this.visibleExport(id, viewer));
  }

  private async visibleExport(id: string, viewer: Viewer): Promise<store.OutgoingRow> {
    const r = /^[0-9a-f-]{36}$/i.test(id) ? await store.outgoing(this.ctx.db, id) : undefined;
    if (!r || (!seesAll(viewer) && !orgIdsOf(viewer as Principal).includes(r.org_id)))
      throw new AppError('not_found', `no export ${id}`, { field: 'id' });
    return r;
  }

  /**
   * Exports units to an account at a peer registry: locks them in `pending_export`, records the
   * signed transfer, then sends it. Answers the transfer in the state reached (exported, reverted,
   * or pending when the peer could not be reached: the reconciler finishes it).
   */
  async createExport(input: ExportCreate, viewer: Viewer, idempotencyKey?: string): Promise<ExportView> {
    const units = selectionOf(input);
    const peer = await store.peer(this.ctx.db, input.peer);
    if (!peer) throw new AppError('not_found', `peer: no peer registry ${input.peer}`, { field: 'peer' });
    if (!peer.client_id || !peer.secret_enc)
      throw new AppError(
        'conflict',
        `peer: no credentials to call ${peer.code} yet; the operator enters them`,
        {
          field: 'peer',
        },
      );
    const requestSha256 = sha256(canonical(input));
    let id: string;
    try {
      id = await this.ctx.db.transaction(async (tx) => {
        const account = await this.ctx.units.account(tx, input.fromAccount);
        if (!account || !this.mayAct(viewer, account, 'see'))
          throw new AppError('not_found', `fromAccount: no account ${input.fromAccount}`, {
            field: 'fromAccount',
          });
        if (!this.mayAct(viewer, account, 'act'))
          throw new AppError(
            'forbidden',
            'only a holder (admin or member) of the account or the registry operator exports',
          );
        if (idempotencyKey) {
          const earlier = await store.outgoingByKey(tx, account.orgId, idempotencyKey);
          if (earlier) {
            if (earlier.request_sha256 !== requestSha256)
              throw new AppError('conflict', 'this Idempotency-Key was used for a different request', {
                field: 'Idempotency-Key',
              });
            return `replay:${earlier.id}`;
          }
        }
        return this.lockAndRecord(tx, { input, units, account, peer, viewer, idempotencyKey, requestSha256 });
      });
    } catch (e) {
      if (idempotencyKey && isUniqueViolation(e)) {
        const account = await this.ctx.units.account(this.ctx.db, input.fromAccount);
        const earlier = account && (await store.outgoingByKey(this.ctx.db, account.orgId, idempotencyKey));
        if (earlier) return this.exportView(earlier, true);
      }
      throw e;
    }
    if (id.startsWith('replay:'))
      return this.exportView((await store.outgoing(this.ctx.db, id.slice(7)))!, true);
    await this.deliver(id);
    return this.exportView((await store.outgoing(this.ctx.db, id))!, false);
  }

  private mayAct(viewer: Viewer, account: AccountRow, what: 'see' | 'act'): boolean {
    if (viewer === 'system') return true;
    if (viewer.memberships.some((m) => m.role === 'registry_operator')) return true;
    if (what === 'see' && viewer.memberships.some((m) => m.role === 'regulator')) return true;
    return hasRoleIn(viewer, account.orgId, what === 'see' ? ['admin', 'member', 'verifier'] : HOLDER_ROLES);
  }

  /** Step a: the units to pending_export, the signed message and the outgoing record, one transaction. */
  private async lockAndRecord(
    tx: Queryable,
    a: {
      input: ExportCreate;
      units: UnitSelection;
      account: AccountRow;
      peer: store.PeerRow;
      viewer: Viewer;
      idempotencyKey: string | undefined;
      requestSha256: string;
    },
  ): Promise<string> {
    const transferId = randomUUID();
    const moved = await this.ctx.units.move(tx, {
      kind: 'export',
      fromAccountId: a.account.id,
      toAccountId: a.account.id,
      units: a.units,
      fromState: 'held',
      toState: 'pending_export',
      actor: actorOf(a.viewer),
      orgId: a.account.orgId,
      details: { transferId, peer: a.peer.code, toAccount: a.input.toAccount },
    });
    const ranges: SerialRange[] = moved.ranges.map((r) => ({ start: r.start, end: r.end }));
    const blocks = await this.ctx.units.blocksIn(tx, ranges);
    const projects = new Map(
      (await store.projectsById(tx, [...new Set(blocks.map((b) => b.projectId))])).map((p) => [p.id, p]),
    );
    const wire: WireUnits[] = [];
    for (const r of ranges)
      for (const b of blocks) {
        const start = b.start > r.start ? b.start : r.start;
        const end = b.end < r.end ? b.end : r.end;
        if (start > end) continue;
        wire.push(this.wireUnits(b, start, end, projects.get(b.projectId)));
      }
    wire.sort((x, y) => (BigInt(x.start) < BigInt(y.start) ? -1 : 1));
    const total = wire.reduce((s, w) => s + BigInt(w.quantity), 0n);
    if (total !== moved.quantity)
      throw new AppError(
        'internal',
        `export ${transferId}: ${total} units described, ${moved.quantity} moved`,
      );
    const message = signMessage(this.signer, {
      protocol: PROTOCOL,
      type: 'transfer',
      transferId,
      from: this.ctx.registryCode,
      to: a.peer.code,
      toAccount: a.input.toAccount,
      quantity: moved.quantity.toString(),
      sentAt: new Date().toISOString(),
      units: wire,
    });
    const messageSha256 = sha256(canonical(message));
    const appended = await this.ctx.ledger.append(tx, {
      type: 'registry.interop.export',
      subject: transferId,
      body: {
        transferId,
        peer: a.peer.code,
        toAccount: a.input.toAccount,
        fromAccount: a.account.number,
        quantity: moved.quantity.toString(),
        serials: wire.map((w) => w.serial),
        messageSha256,
      },
      orgId: a.account.orgId,
    });
    await store.insertOutgoing(tx, {
      id: transferId,
      peerCode: a.peer.code,
      toAccount: a.input.toAccount,
      fromAccountId: a.account.id,
      orgId: a.account.orgId,
      quantity: moved.quantity,
      ranges: moved.ranges.map((r) => ({
        start: r.start.toString(),
        end: r.end.toString(),
        issuanceId: r.issuanceId,
        serial: r.serial,
      })),
      message,
      messageSha256,
      actor: actorOf(a.viewer),
      idempotencyKey: a.idempotencyKey ?? null,
      requestSha256: a.idempotencyKey ? a.requestSha256 : null,
      exportTransactionId: moved.transactionId,
      ledgerIndex: appended.index,
      leafHash: leaf(appended.leafHash),
    });
    return transferId;
  }

  private wireUnits(b: BlockRow, start: bigint, end: bigint, p: store.ProjectInfo | undefined): WireUnits {
    return {
      serial: this.ctx.units.formatSerial({ ...b, start, end }),
      start: start.toString(),
      end: end.toString(),
      quantity: (end - start + 1n).toString(),
      vintage: b.vintage,
      unitType: b.unitType,
      project: {
        code: b.projectCode,
        name: p?.name ?? b.projectCode,
        methodology: p?.methodology ?? 'unknown',
        hostCountry: b.hostCountry,
        sector: p?.sector ?? 'unknown',
        labels: p?.labels ?? [],
      },
      authorized: b.authorizationId !== null,
      authorizationId: b.authorizationId,
      firstTransferred: b.firstTransferred,
    };
  }

  /** Step b and c: sends the stored message; a signed answer completes the transfer. Never throws. */
  async deliver(id: string): Promise<store.OutgoingRow['state']> {
    const row = await store.outgoing(this.ctx.db, id);
    if (!row || row.state !== 'pending') return row?.state ?? 'pending';
    const peer = (await store.peer(this.ctx.db, row.peer_code))!;
    try {
      const res = await this.call(peer, 'POST', INCOMING_PATH, row.message);
      if (res.status !== 200) throw new PeerError(describeFailure(res), res.status);
      return await this.complete(row, peer, res.body);
    } catch (e) {
      await store.recordAttempt(this.ctx.db, id, messageOf(e));
      return 'pending';
    }
  }

  /** Asks the peer for the outcome of one pending export; sends it again when the peer never received it. */
  async reconcileOne(id: string): Promise<store.OutgoingRow['state']> {
    const row = await store.outgoing(this.ctx.db, id);
    if (!row || row.state !== 'pending') return row?.state ?? 'pending';
    const peer = (await store.peer(this.ctx.db, row.peer_code))!;
    try {
      const res = await this.call(peer, 'GET', `${INCOMING_PATH}/${id}`);
      if (res.status === 404) return await this.deliver(id);
      if (res.status !== 200) throw new PeerError(describeFailure(res), res.status);
      return await this.complete(row, peer, res.body);
    } catch (e) {
      await store.recordAttempt(this.ctx.db, id, messageOf(e));
      return 'pending';
    }
  }

  /** One export, by its holder or the operator. */
  async reconcileExport(id: string, viewer: Viewer): Promise<ExportView> {
    const r = await this.visibleExport(id, viewer);
    if (viewer !== 'system' && !isOperator(viewer) && !hasRoleIn(viewer, r.org_id, HOLDER_ROLES))
      throw new AppError('forbidden', 'only a holder of the account or the registry operator reconciles');
    await this.reconcileOne(id);
    return this.getExport(id, viewer);
  }

  /** Every pending export (operator, CLI, the server's timer). One run at a time. */
  reconcile(viewer: Viewer = 'system'): Promise<ReconcileReport> {
    if (!isOperator(viewer))
      throw new AppError('forbidden', 'only the registry operator reconciles every export');
    this.reconciling ??= this.reconcileAll().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileAll(): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, exported: 0, reverted: 0, pending: 0, errors: [] };
    for (const id of await store.pendingIds(this.ctx.db)) {
      report.checked++;
      const state = await this.reconcileOne(id);
      report[state === 'pending' ? 'pending' : state]++;
      if (state === 'pending') {
        const row = await store.outgoing(this.ctx.db, id);
        report.errors.push({ id, error: row?.last_error ?? 'no answer yet' });
      }
    }
    return report;
  }

  /**
   * Runs the reconciler now (a server that stopped between two steps finishes them) and every
   * GREENTRADE_INTEROP_RECONCILE_SECONDS (30); returns a stop function.
   */
  startReconciler(onError: (e: unknown) => void, ms = reconcileIntervalMs()): () => void {
    const run = () => {
      this.reconcile('system').catch(onError);
    };
    const first = setTimeout(run, 0);
    const timer = setInterval(run, ms);
    timer.unref();
    first.unref();
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }

  /** Step c: checks the peer's signed answer and completes the export in one transaction. */
  private async complete(
    row: store.OutgoingRow,
    peer: store.PeerRow,
    body: unknown,
  ): Promise<store.OutgoingRow['state']> {
    const parsed = AnswerMessage.safeParse(body);
    if (!parsed.success) throw new PeerError(`the answer of ${peer.code} is not a transfer answer`);
    const answer = parsed.data;
    if (!verifyMessage(peer.public_key, body as Record<string, unknown>))
      throw new PeerError(`the answer's signature does not verify with the public key of ${peer.code}`);
    if (
      answer.transferId !== row.id ||
      answer.from !== peer.code ||
      answer.to !== this.ctx.registryCode ||
      answer.messageSha256 !== row.message_sha256
    )
      throw new PeerError(`the answer of ${peer.code} is for another transfer`);
    const accepted = answer.type === 'acknowledgement';
    return this.ctx.db.transaction(async (tx) => {
      const current = (await store.outgoing(tx, row.id, true))!;
      if (current.state !== 'pending') return current.state; // completed by a concurrent run
      const moved = await this.ctx.units.move(tx, {
        kind: accepted ? 'export-confirmed' : 'export-reverted',
        fromAccountId: current.from_account_id,
        toAccountId: current.from_account_id,
        units: { ranges: current.ranges.map((r) => ({ start: BigInt(r.start), end: BigInt(r.end) })) },
        fromState: 'pending_export',
        toState: accepted ? 'exported' : 'held',
        actor: `registry:${peer.code}`,
        orgId: current.org_id,
        details: {
          transferId: row.id,
          peer: peer.code,
          ...(accepted ? {} : { reason: answer.reason ?? '' }),
        },
      });
      const appended = await this.ctx.ledger.append(tx, {
        type: accepted ? 'registry.interop.export-confirmed' : 'registry.interop.export-reverted',
        subject: row.id,
        body: {
          transferId: row.id,
          peer: peer.code,
          quantity: current.quantity.toString(),
          answerSha256: sha256(canonical(body)),
          ...(accepted ? { mirrors: answer.mirrors ?? [] } : { reason: answer.reason ?? '' }),
        },
        orgId: current.org_id,
      });
      await store.completeOutgoing(tx, row.id, {
        state: accepted ? 'exported' : 'reverted',
        answer: body as Record<string, unknown>,
        reason: accepted ? null : (answer.reason ?? ''),
        transactionId: moved.transactionId,
        ledgerIndex: appended.index,
        leafHash: leaf(appended.leafHash),
      });
      return accepted ? 'exported' : 'reverted';
    });
  }

  /* ---------------------------------------------------------- talking to a peer */

  private async token(peer: store.PeerRow): Promise<string> {
    const cached = this.tokens.get(peer.code);
    if (cached && cached.until > Date.now()) return cached.value;
    if (!peer.client_id || !peer.secret_enc) throw new PeerError(`no credentials to call ${peer.code}`);
    const secret = decryptSecret(this.key(), peer.code, peer.secret_enc);
    const basic = Buffer.from(`${encodeURIComponent(peer.client_id)}:${encodeURIComponent(secret)}`).toString(
      'base64',
    );
    const res = await this.fetch(`${peer.base_url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = res.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (res.status !== 200 || typeof body?.access_token !== 'string')
      throw new PeerError(`${peer.code} refused our credentials (HTTP ${res.status})`, res.status);
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 300;
    this.tokens.set(peer.code, {
      value: body.access_token,
      until: Date.now() + Math.max(0, seconds - 60) * 1000,
    });
    return body.access_token;
  }

  /** One authenticated request; the token is renewed once on a 401. */
  private async call(
    peer: store.PeerRow,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(peer);
      const res = await this.fetch(`${peer.base_url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (res.status === 401 && attempt === 1) {
        this.tokens.delete(peer.code);
        continue;
      }
      return res;
    }
  }

  private async fetch(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await this.transport(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const name = (e as Error).name;
      throw new PeerError(
        name === 'TimeoutError' || name === 'AbortError'
          ? `${new URL(url).host}: no answer within ${this.timeoutMs} ms`
          : `${new URL(url).host}: ${networkMessage(e)}`,
      );
    }
    const text = await res.text();
    if (Buffer.byteLength(text) > MAX_ANSWER_BYTES)
      throw new PeerError(`${new URL(url).host}: answer too large`);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  }

  /* --------------------------------------------------------------- receiving */

  private async peerOf(principal: Principal | null): Promise<store.PeerRow> {
    const peer =
      principal?.kind === 'client' ? await store.peerByInboundClient(this.ctx.db, principal.id) : undefined;
    if (!peer) throw new AppError('forbidden', 'only a registered peer registry calls this route');
    return peer;
  }

  /** A transfer from a peer: accepted (mirror holdings) or refused, with our signed answer either way. */
  async receive(principal: Principal | null, message: TransferMessage): Promise<AnswerMessage> {
    const peer = await this.peerOf(principal);
    if (message.from !== peer.code)
      throw new AppError('forbidden', `from: this client speaks for ${peer.code}, not ${message.from}`, {
        field: 'from',
      });
    if (!verifyMessage(peer.public_key, message))
      throw new AppError(
        'forbidden',
        `signature: does not verify with the public key registered for ${peer.code}`,
        {
          field: 'signature',
        },
      );
    if (message.to !== this.ctx.registryCode)
      throw new AppError('bad_request', `to: this registry is ${this.ctx.registryCode}`, { field: 'to' });
    let total = 0n;
    for (const [i, u] of message.units.entries()) {
      if (BigInt(u.end) < BigInt(u.start) || BigInt(u.end) - BigInt(u.start) + 1n !== BigInt(u.quantity))
        throw new AppError('bad_request', `units.${i}.quantity: does not match start and end`, {
          field: `units.${i}.quantity`,
        });
      total += BigInt(u.quantity);
    }
    if (total !== BigInt(message.quantity))
      throw new AppError('bad_request', 'quantity: is not the sum of the units', { field: 'quantity' });
    const messageSha256 = sha256(canonical(message));

    const earlier = await store.incoming(this.ctx.db, peer.code, message.transferId);
    if (earlier) return this.replayAnswer(earlier, messageSha256);
    try {
      return await this.accept(peer, message, messageSha256);
    } catch (e) {
      if (isUniqueViolation(e)) {
        const raced = await store.incoming(this.ctx.db, peer.code, message.transferId);
        if (raced) return this.replayAnswer(raced, messageSha256);
      }
      if (!(e instanceof Refusal) && !(isAppError(e) && e.status < 500)) throw e;
      const reason = e.message;
      try {
        return await this.refuse(peer, message, messageSha256, reason);
      } catch (e2) {
        const raced =
          isUniqueViolation(e2) && (await store.incoming(this.ctx.db, peer.code, message.transferId));
        if (raced) return this.replayAnswer(raced, messageSha256);
        throw e2;
      }
    }
  }

  private replayAnswer(row: store.IncomingRow, messageSha256: string): AnswerMessage {
    if (row.message_sha256 !== messageSha256)
      throw new AppError('conflict', `transferId: ${row.transfer_id} was received with a different message`, {
        field: 'transferId',
      });
    return row.answer as AnswerMessage;
  }

  private answer(
    peer: store.PeerRow,
    message: TransferMessage,
    messageSha256: string,
    outcome: { mirrors: store.IncomingRow['mirrors'] } | { reason: string },
  ): AnswerMessage {
    return signMessage(this.signer, {
      protocol: PROTOCOL,
      type: 'mirrors' in outcome ? ('acknowledgement' as const) : ('rejection' as const),
      transferId: message.transferId,
      from: this.ctx.registryCode,
      to: peer.code,
      messageSha256,
      answeredAt: new Date().toISOString(),
      ...outcome,
    });
  }

  private async accept(
    peer: store.PeerRow,
    message: TransferMessage,
    messageSha256: string,
  ): Promise<AnswerMessage> {
    return this.ctx.db.transaction(async (tx) => {
      const account = await this.ctx.units.account(tx, message.toAccount);
      if (!account)
        throw new Refusal(`toAccount: no account ${message.toAccount} in registry ${this.ctx.registryCode}`);
      if (account.kind !== 'holding')
        throw new Refusal(
          `toAccount: ${message.toAccount} is a ${account.kind} account; imports go to a holding account`,
        );
      const controls = this.importControls?.checkImport;
      const mirrors: store.IncomingRow['mirrors'] = [];
      for (const u of message.units) {
        if (controls)
          await controls.call(this.importControls, tx, {
            originRegistry: peer.code,
            originSerial: u.serial,
            toAccountId: account.id,
            projectCode: u.project.code,
            methodology: u.project.methodology,
            hostCountry: u.project.hostCountry,
            sector: u.project.sector,
            labels: u.project.labels,
            vintage: u.vintage,
            unitType: u.unitType,
            quantity: BigInt(u.quantity),
          });
        const projectId = await store.insertMirrorProject(tx, {
          code: `${peer.code}-${u.project.code}`.slice(0, 100),
          orgId: peer.org_id,
          name: u.project.name,
          methodology: u.project.methodology,
          hostCountry: u.project.hostCountry,
          sector: u.project.sector,
          labels: u.project.labels,
          description: `Mirror of project ${u.project.code} of registry ${peer.code}`,
          createdBy: `registry:${peer.code}`,
        });
        const issued = await this.ctx.units.issue(tx, {
          projectId,
          vintage: u.vintage,
          unitType: u.unitType,
          quantity: BigInt(u.quantity),
          toAccountId: account.id,
          actor: `registry:${peer.code}`,
          orgId: peer.org_id,
          origin: { registry: peer.code, serial: u.serial },
          details: {
            transferId: message.transferId,
            fromRegistry: peer.code,
            originSerial: u.serial,
            authorized: u.authorized,
            authorizationId: u.authorizationId,
            firstTransferred: u.firstTransferred,
          },
        });
        mirrors.push({ originSerial: u.serial, serial: issued.serial, quantity: u.quantity });
      }
      const answer = this.answer(peer, message, messageSha256, { mirrors });
      const appended = await this.ctx.ledger.append(tx, {
        type: 'registry.interop.import',
        subject: message.transferId,
        body: {
          transferId: message.transferId,
          from: peer.code,
          toAccount: account.number,
          quantity: message.quantity,
          mirrors,
          messageSha256,
          answerSha256: sha256(canonical(answer)),
        },
        orgId: account.orgId,
      });
      await store.insertIncoming(tx, {
        fromRegistry: peer.code,
        transferId: message.transferId,
        toAccount: message.toAccount,
        toAccountId: account.id,
        orgId: account.orgId,
        quantity: BigInt(message.quantity),
        state: 'accepted',
        reason: null,
        message,
        messageSha256,
        answer,
        mirrors,
        ledgerIndex: appended.index,
        leafHash: leaf(appended.leafHash),
      });
      return answer;
    });
  }

  private async refuse(
    peer: store.PeerRow,
    message: TransferMessage,
    messageSha256: string,
    reason: string,
  ): Promise<AnswerMessage> {
    return this.ctx.db.transaction(async (tx) => {
      const account = await this.ctx.units.account(tx, message.toAccount);
      const answer = this.answer(peer, message, messageSha256, { reason });
      const appended = await this.ctx.ledger.append(tx, {
        type: 'registry.interop.import-refused',
        subject: message.transferId,
        body: {
          transferId: message.transferId,
          from: peer.code,
          toAccount: message.toAccount,
          quantity: message.quantity,
          reason,
          messageSha256,
        },
        orgId: account?.orgId ?? peer.org_id,
      });
      await store.insertIncoming(tx, {
        fromRegistry: peer.code,
        transferId: message.transferId,
        toAccount: message.toAccount,
        toAccountId: account?.id ?? null,
        orgId: account?.orgId ?? null,
        quantity: BigInt(message.quantity),
        state: 'rejected',
        reason,
        message,
        messageSha256,
        answer,
        mirrors: [],
        ledgerIndex: appended.index,
        leafHash: leaf(appended.leafHash),
      });
      return answer;
    });
  }

  /** The outcome of a transfer the calling peer sent: our signed answer, or 404 when we never received it. */
  async incomingStatus(principal: Principal | null, transferId: string): Promise<AnswerMessage> {
    const peer = await this.peerOf(principal);
    const row = /^[0-9a-f-]{36}$/i.test(transferId)
      ? await store.incoming(this.ctx.db, peer.code, transferId)
      : undefined;
    if (!row) throw new AppError('not_found', `no transfer ${transferId} from ${peer.code} was received`);
    return row.answer as AnswerMessage;
  }

  /** Transfers received, for the operator and the regulator (all) or the holders of the receiving accounts. */
  async listImports(viewer: Viewer): Promise<ImportView[]> {
    const orgIds = seesAll(viewer) ? null : orgIdsOf(viewer as Principal);
    return (await store.incomingList(this.ctx.db, orgIds)).map((r) => ({
      id: r.id,
      fromRegistry: r.from_registry,
      transferId: r.transfer_id,
      toAccount: r.to_account,
      quantity: String(r.quantity),
      state: r.state,
      reason: r.reason,
      mirrors: r.mirrors,
      units: (r.message as { units?: WireUnits[] }).units ?? [],
      ledger:
        r.ledger_index === null
          ? null
          : { index: Number(r.ledger_index), leafHash: Buffer.from(r.leaf_hash!).toString('hex') },
      createdAt: iso(r.created_at)!,
    }));
  }

  /** Units of this registry per state, and transfers per state (operator, regulator). */
  async summary(viewer: Viewer) {
    if (!seesAll(viewer))
      throw new AppError('forbidden', 'the registry operator or a regulator sees the summary');
    const units = Object.fromEntries(
      (await store.unitsByState(this.ctx.db)).map((r) => [r.state, String(r.quantity)]),
    );
    const count = async (sql: string) =>
      Object.fromEntries(
        (await this.ctx.db.query<{ state: string; n: string }>(sql)).map((r) => [r.state, String(r.n)]),
      );
    return {
      registry: this.ctx.registryCode,
      units,
      exports: await count(
        'SELECT state, sum(quantity)::text AS n FROM registry_interop_outgoing GROUP BY state',
      ),
      imports: await count(
        'SELECT state, sum(quantity)::text AS n FROM registry_interop_incoming GROUP BY state',
      ),
    };
  }
}

export function reconcileIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env['GREENTRADE_INTEROP_RECONCILE_SECONDS'] ?? 30);
  if (!Number.isFinite(seconds) || seconds < 1)
    throw new Error(`GREENTRADE_INTEROP_RECONCILE_SECONDS must be a number of seconds >= 1, got ${seconds}`);
  return seconds * 1000;
}

function selectionOf(input: ExportCreate): UnitSelection {
  const given = [input.ranges, input.issuanceId, input.blockId].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new AppError(
      'bad_request',
      'ranges: give exactly one of ranges, issuanceId (with quantity), blockId',
      {
        field: 'ranges',
      },
    );
  if (input.ranges) {
    if (input.quantity !== undefined)
      throw new AppError('bad_request', 'quantity: not with ranges (the ranges say how many)', {
        field: 'quantity',
      });
    return {
      ranges: input.ranges.map((r, i) => {
        const range = { start: BigInt(r.start), end: BigInt(r.end) };
        if (range.end < range.start)
          throw new AppError('bad_request', `ranges.${i}.end: before start`, { field: `ranges.${i}.end` });
        return range;
      }),
    };
  }
  if (input.issuanceId) {
    if (input.quantity === undefined)
      throw new AppError('bad_request', 'quantity: required with issuanceId', { field: 'quantity' });
    return { issuanceId: input.issuanceId, quantity: BigInt(input.quantity) };
  }
  return {
    blockId: input.blockId!,
    ...(input.quantity === undefined ? {} : { quantity: BigInt(input.quantity) }),
  };
}

function normaliseUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new AppError('bad_request', 'baseUrl: http or https', { field: 'baseUrl' });
  if (u.username || u.password)
    throw new AppError('bad_request', 'baseUrl: no credentials in the address', { field: 'baseUrl' });
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

function describeFailure(res: { status: number; body: unknown }): string {
  const err = (res.body as { error?: { message?: unknown } } | undefined)?.error;
  const msg = typeof err?.message === 'string' ? `: ${err.message.slice(0, 300)}` : '';
  return `HTTP ${res.status}${msg}`;
}

function networkMessage(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message ?? 'network error';
}

const messageOf = (e: unknown): string =>
  e instanceof PeerError || isAppError(e) ? e.message : `unexpected: ${(e as Error)?.message ?? String(e)}`;
