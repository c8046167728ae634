import { hash as nodeHashOf } from 'node:crypto';
import type { Db, Queryable } from '../../db/index.js';
import { orgIdsOf, type Principal } from '../../kernel/access.js';
import { AppError } from '../../kernel/errors.js';
import type { LedgerSigner } from './keys.js';
import {
  canonicalEntry,
  checkpointBody,
  consistencyProof,
  fromHex,
  inclusionPath,
  leafHash,
  nodeHash,
  parseEntry,
  rootHash,
  signedNote,
  toHex,
  verifyCheckpoint,
  verifyConsistency,
  type Check,
  type Checkpoint,
  type Hash,
  type InclusionProof,
  type ConsistencyProof,
  type NodeSource,
  type Sha256,
} from './lib/index.js';
import { AppendInput, MAX_ENTRY_BYTES, type Appended, type EntryView, type VerifyReport } from './model.js';
import * as store from './store.js';

/** A signed-in caller, nobody (a public route), or the local operator (the CLI, with direct access to the database). */
export type Viewer = Principal | 'system' | null;

/** OpenSSL's SHA-256 (node:crypto), several times the speed of a JS one. */
export const sha256: Sha256 = (data) => nodeHashOf('sha256', data, 'buffer');

const utf8 = new TextEncoder();
const ZERO = new Uint8Array(32);

/**
 * Records that point at ledger entries, for `verify` to check: an SQL query giving, per record,
 * `ref` (a name for it), `idx` (the entry) and `leaf` (the leaf hash the record keeps).
 */
export interface ReferenceSource {
  name: string;
  sql: string;
}

const checkpointView = (r: store.CheckpointRow): Checkpoint => ({
  origin: r.origin,
  treeSize: Number(r.tree_size),
  rootHash: toHex(store.bytes(r.root_hash)),
  timestamp: r.signed_time,
  signature: toHex(store.bytes(r.signature)),
  publicKey: toHex(store.bytes(r.public_key)),
  note: r.note,
});

/** Runs fn twice: once to learn which stored hashes it reads, then with them fetched in one go. */
async function withNodes<T>(q: Queryable, fn: (node: NodeSource) => T): Promise<T> {
  const wanted = new Map<string, [number, number]>();
  fn((level, index) => {
    wanted.set(`${level}:${index}`, [level, index]);
    return ZERO;
  });
  const found = await store.hashesOf(q, [...wanted.values()]);
  return fn((level, index) => {
    const h = found.get(`${level}:${index}`);
    if (!h)
      throw new AppError(
        'conflict',
        `the ledger lacks the hash of node (${level}, ${index}); run ledger verify`,
      );
    return h;
  });
}

export interface LedgerOptions {
  signer: LedgerSigner;
  /** The log's name in its checkpoints (C2SP origin). */
  origin: string;
  /** Earlier public keys of the log, still trusted for old checkpoints. */
  trustedKeys?: readonly string[];
}

export class LedgerService {
  private readonly references: ReferenceSource[] = [
    {
      name: 'notarization',
      sql: "SELECT 'notarization of ' || encode(doc_hash, 'hex') AS ref, entry_idx AS idx, leaf_hash AS leaf FROM ledger_notarization",
    },
  ];

  constructor(
    readonly db: Db,
    private readonly options: LedgerOptions,
  ) {}

  get publicKey(): string {
    return this.options.signer.publicKey;
  }
  get origin(): string {
    return this.options.origin;
  }
  get trustedKeys(): string[] {
    return [this.options.signer.publicKey, ...(this.options.trustedKeys ?? [])];
  }

  /** Another module's records that keep a ledger entry's index and leaf hash. */
  registerReferences(source: ReferenceSource): void {
    this.references.push(source);
  }

  /** Appends one entry inside the caller's transaction: the record and its entry commit together. */
  async append(tx: Queryable, input: AppendInput): Promise<Appended> {
    return (await this.appendMany(tx, [input]))[0]!;
  }

  /** Appends entries in order, inside the caller's transaction. */
  async appendMany(tx: Queryable, inputs: readonly AppendInput[]): Promise<Appended[]> {
    const rows = inputs.map((input, i) => {
      const parsed = AppendInput.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new AppError(
          'bad_request',
          `entry ${i + 1}: ${issue.path.join('.') || 'entry'}: ${issue.message}`,
          {
            field: issue.path.join('.') || 'entry',
          },
        );
      }
      const time = (input.time ?? new Date()).toISOString();
      let entry: string;
      try {
        entry = canonicalEntry({
          type: parsed.data.type,
          subject: parsed.data.subject,
          time,
          body: parsed.data.body ?? null,
        });
      } catch {
        throw new AppError('bad_request', `entry ${i + 1}: body: not JSON`, { field: 'body' });
      }
      const bytes = utf8.encode(entry);
      if (bytes.length > MAX_ENTRY_BYTES)
        throw new AppError('bad_request', `entry ${i + 1}: body: larger than ${MAX_ENTRY_BYTES} bytes`, {
          field: 'body',
        });
      return {
        type: parsed.data.type,
        subject: parsed.data.subject,
        entry,
        leafHash: leafHash(bytes, sha256),
        orgId: parsed.data.orgId ?? null,
        public: parsed.data.public ?? false,
        time,
      };
    });
    if (rows.length === 0) return [];
    const size = await store.lockHead(tx);
    // The right edge of the tree so far: the perfect subtrees that new nodes pair with.
    const edge: [number, number][] = [];
    for (let level = 52, start = 0; level >= 0; level--)
      if (Math.floor(size / 2 ** level) % 2 === 1) {
        edge.push([level, start / 2 ** level]);
        start += 2 ** level;
      }
    const known = await store.hashesOf(tx, edge);
    const nodes: { level: number; idx: number; hash: Uint8Array }[] = [];
    const entries = rows.map((r, k) => {
      const idx = size + k;
      known.set(`0:${idx}`, r.leafHash);
      for (let level = 1; (idx + 1) % 2 ** level === 0; level++) {
        const j = (idx + 1) / 2 ** level - 1;
        const left = known.get(`${level - 1}:${2 * j}`);
        const right = known.get(`${level - 1}:${2 * j + 1}`);
        if (!left || !right)
          throw new AppError('conflict', `the ledger lacks node (${level - 1}, ${2 * j}); run ledger verify`);
        const h = nodeHash(left, right, sha256);
        known.set(`${level}:${j}`, h);
        nodes.push({ level, idx: j, hash: h });
      }
      return { ...r, idx };
    });
    await store.insertEntries(tx, entries);
    if (nodes.length > 0) await store.insertNodes(tx, nodes);
    await store.setHead(tx, size + rows.length);
    return entries.map((e) => ({ index: e.idx, leafHash: toHex(e.leafHash) }));
  }

  /** Signs the current tree head (a new checkpoint), and keeps it. */
  async checkpoint(): Promise<Checkpoint> {
    return this.db.transaction(async (tx) => {
      const size = await store.headSize(tx);
      const root = await withNodes(tx, (node) => rootHash(size, node, sha256));
      const fields = {
        origin: this.origin,
        treeSize: size,
        rootHash: toHex(root),
        timestamp: new Date().toISOString(),
      };
      const body = checkpointBody(fields);
      const signature = this.options.signer.sign(utf8.encode(body));
      const publicKey = fromHex(this.publicKey, 32)!;
      const note = signedNote(body, this.origin, publicKey, signature);
      await store.insertCheckpoint(tx, {
        ...fields,
        rootHash: root,
        time: fields.timestamp,
        signature,
        publicKey,
        note,
      });
      return { ...fields, signature: toHex(signature), publicKey: this.publicKey, note };
    });
  }

  async latestCheckpoint(): Promise<Checkpoint | null> {
    const row = await store.latestCheckpoint(this.db);
    return row ? checkpointView(row) : null;
  }

  async recentCheckpoints(limit = 20): Promise<Checkpoint[]> {
    return (await store.recentCheckpoints(this.db, Math.min(Math.max(limit, 1), 500))).map(checkpointView);
  }

  async size(): Promise<number> {
    return store.headSize(this.db);
  }

  private canSee(row: store.EntryRow, viewer: Viewer): boolean {
    if (viewer === 'system' || row.public) return true;
    return viewer !== null && row.org_id !== null && orgIdsOf(viewer).includes(row.org_id);
  }

  private async visibleEntry(index: number, viewer: Viewer): Promise<store.EntryRow> {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new AppError('bad_request', `index: "${index}" is not an entry number`, { field: 'index' });
    const row = await store.entryAt(this.db, index);
    // Not found and not allowed look the same, so that private entries cannot be counted.
    if (!row || !this.canSee(row, viewer))
      throw new AppError('not_found', `no ledger entry ${index}`, { field: 'index' });
    return row;
  }

  async entry(index: number, viewer: Viewer): Promise<EntryView> {
    const row = await this.visibleEntry(index, viewer);
    const parsed = parseEntry(row.entry);
    return {
      index: Number(row.idx),
      type: row.type,
      subject: row.subject,
      time: parsed?.entry.time ?? row.created_at,
      body: parsed?.entry.body ?? null,
      entry: row.entry,
      leafHash: toHex(store.bytes(row.leaf_hash)),
      public: row.public,
    };
  }

  /**
   * The audit path of an entry in the tree of `treeSize` (by default the latest checkpoint that
   * covers it, made now if none does), with the entry text and the checkpoint of that size.
   */
  async inclusionProof(
    index: number,
    viewer: Viewer,
    treeSize?: number,
  ): Promise<InclusionProof & { entry: string }> {
    const row = await this.visibleEntry(index, viewer);
    let checkpoint: Checkpoint | null;
    let size = treeSize;
    if (size === undefined) {
      checkpoint = await this.latestCheckpoint();
      if (!checkpoint || checkpoint.treeSize <= index) checkpoint = await this.checkpoint();
      size = checkpoint.treeSize;
    } else {
      const head = await store.headSize(this.db);
      if (!Number.isSafeInteger(size) || size <= index || size > head)
        throw new AppError('bad_request', `tree-size: must be above ${index} and at most ${head}`, {
          field: 'treeSize',
        });
      const row2 = await store.checkpointOfSize(this.db, size);
      checkpoint = row2 ? checkpointView(row2) : null;
    }
    const n = size;
    const { path, root } = await withNodes(this.db, (node) => ({
      path: inclusionPath(index, n, node, sha256),
      root: rootHash(n, node, sha256),
    }));
    return {
      index,
      treeSize: n,
      leafHash: toHex(store.bytes(row.leaf_hash)),
      rootHash: toHex(root),
      path: path.map(toHex),
      entry: row.entry,
      ...(checkpoint ? { checkpoint } : {}),
    };
  }

  async consistencyProof(fromSize: number, toSize: number): Promise<ConsistencyProof> {
    const head = await store.headSize(this.db);
    if (
      !Number.isSafeInteger(fromSize) ||
      !Number.isSafeInteger(toSize) ||
      fromSize < 0 ||
      fromSize > toSize ||
      toSize > head
    )
      throw new AppError('bad_request', `from and to must satisfy 0 <= from <= to <= ${head}`, {
        field: 'from',
      });
    return withNodes(this.db, (node) => ({
      fromSize,
      toSize,
      fromRoot: toHex(rootHash(fromSize, node, sha256)),
      toRoot: toHex(rootHash(toSize, node, sha256)),
      proof: consistencyProof(fromSize, toSize, node, sha256).map(toHex),
    }));
  }

  /**
   * Is this log consistent with a checkpoint an outside witness kept? Its signature must be the
   * log's, and the tree of its size, as stored now, must have its root hash: a history rewritten
   * (even with the same key) or cut short fails here. Also returns the consistency proof to the
   * latest checkpoint, which the witness can check with the library.
   */
  async checkWitnessed(witnessed: unknown): Promise<Check & { proof?: ConsistencyProof }> {
    const sig = verifyCheckpoint(witnessed, this.trustedKeys);
    if (!sig.ok) return { ok: false, reason: `the witnessed checkpoint: ${sig.reason}` };
    const cp = witnessed as Checkpoint;
    const latest = (await this.latestCheckpoint()) ?? (await this.checkpoint());
    const head = await store.headSize(this.db);
    if (cp.treeSize > head)
      return {
        ok: false,
        reason: `the log has ${head} entries, fewer than the ${cp.treeSize} witnessed: it was cut short`,
      };
    const to = Math.max(latest.treeSize, cp.treeSize);
    const proof = await this.consistencyProof(cp.treeSize, to);
    if (proof.fromRoot !== cp.rootHash.toLowerCase())
      return {
        ok: false,
        reason: `the first ${cp.treeSize} entries no longer have the witnessed root hash: the history was rewritten`,
        proof,
      };
    const check = verifyConsistency(
      cp.treeSize,
      to,
      proof.proof.map((h) => fromHex(h, 32)!),
      fromHex(cp.rootHash, 32)!,
      fromHex(proof.toRoot, 32)!,
      sha256,
    );
    return check.ok ? { ok: true, proof } : { ...check, proof };
  }

  /**
   * Recomputes the whole tree from the stored entries and checks every entry's hash, every stored
   * node, every checkpoint (root and signature, by a trusted key) and every record that points at
   * an entry. Names the first entry that does not match.
   */
  async verify(onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
    const q = this.db;
    const head = await store.headSize(q);
    const checkpoints = (await store.allCheckpoints(q)).map(checkpointView);
    const problems: { index: number; reason: string }[] = [];
    const bad = (index: number, reason: string) => problems.push({ index, reason });
    let lastGoodCheckpoint = 0;
    let cpAt = 0;
    let previousTime = '';
    // Signatures and order of time first: they need no entries.
    for (const cp of checkpoints) {
      const sig = verifyCheckpoint(cp, this.trustedKeys);
      if (!sig.ok) bad(0, `checkpoint of tree size ${cp.treeSize}: ${sig.reason}`);
      else if (cp.origin !== this.origin)
        bad(0, `checkpoint of tree size ${cp.treeSize} names another log, ${cp.origin}`);
      else if (cp.treeSize === 0 && cp.rootHash !== toHex(sha256(new Uint8Array(0))))
        bad(0, 'the checkpoint of the empty tree has a root hash other than SHA-256 of nothing');
      if (cp.timestamp < previousTime)
        bad(0, `checkpoint of tree size ${cp.treeSize} is dated before a checkpoint of a smaller tree`);
      previousTime = cp.timestamp;
    }
    const sigProblems = problems.length;

    // The perfect subtrees of the entries read so far, largest first (a binary counter).
    const stack: { level: number; hash: Hash }[] = [];
    // One node-hash input reused (0x01 || left || right): a million of them otherwise.
    const nodeInput = Buffer.alloc(65);
    nodeInput[0] = 1;
    const hashNode = (left: Hash, right: Hash): Hash => {
      nodeInput.set(left, 1);
      nodeInput.set(right, 33);
      return sha256(nodeInput);
    };
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0; // not secret: no constant time
    const maxLevel = Math.max(1, Math.ceil(Math.log2(Math.max(head, 1))) + 1);
    const PAGE = 10_000;
    let next = 0;
    while (problems.length === sigProblems) {
      const rows = await store.leavesFrom(q, next, PAGE);
      if (rows.length === 0) break;
      // The stored nodes that these entries complete, to compare as each is completed.
      const storedNodes = new Map<number, Hash>(); // keyed by idx * 64 + level
      for (const n of await store.nodesCompletingIn(q, next, next + rows.length, maxLevel))
        storedNodes.set(n.idx * 64 + n.level, n.hash);
      for (const row of rows) {
        const idx = row.idx;
        if (idx !== next) {
          bad(next, `entry ${next} is missing`);
          break;
        }
        // The tree goes on from what is stored (leaf hashes, nodes) even where it differs from what
        // is computed, so that a change is named once, at the lowest level it shows, and not again
        // by every node and checkpoint above it.
        const stored = row.stored;
        if (!same(sha256(row.input), stored))
          bad(
            idx,
            `entry ${idx}: its text does not hash to its stored leaf hash (it was changed after it was written)`,
          );
        let top = { level: 0, hash: stored };
        let at = idx;
        while (stack.length > 0 && stack[stack.length - 1]!.level === top.level) {
          const left = stack.pop()!;
          const level = top.level + 1;
          at = Math.floor(at / 2);
          const computed = hashNode(left.hash, top.hash);
          const kept = storedNodes.get(at * 64 + level);
          const first = at * 2 ** level;
          if (!kept)
            bad(
              first,
              `the tree node ${level}:${at} over entries ${first} to ${first + 2 ** level - 1} is missing`,
            );
          else if (!same(kept, computed))
            bad(
              first,
              `entries ${first} to ${first + 2 ** level - 1} do not match the tree stored for them (node ${level}:${at})`,
            );
          top = { level, hash: kept ?? computed };
        }
        stack.push(top);
        next++;
        while (cpAt < checkpoints.length && checkpoints[cpAt]!.treeSize <= next) {
          const cp = checkpoints[cpAt++]!;
          if (cp.treeSize < next) continue; // of size 0
          let root = stack[stack.length - 1]!.hash;
          for (let i = stack.length - 2; i >= 0; i--) root = hashNode(stack[i]!.hash, root);
          if (toHex(root) !== cp.rootHash)
            bad(
              lastGoodCheckpoint,
              `entries ${lastGoodCheckpoint} to ${cp.treeSize - 1} no longer give the root hash signed in the checkpoint of tree size ${cp.treeSize}`,
            );
          else lastGoodCheckpoint = cp.treeSize;
        }
        if (problems.length > sigProblems) break;
      }
      onProgress?.(next, head);
    }
    if (problems.length === sigProblems) {
      if (next !== head) bad(next, `the log's head says ${head} entries, but ${next} are stored`);
      for (const cp of checkpoints.slice(cpAt))
        if (cp.treeSize > next)
          bad(
            next,
            `the checkpoint of tree size ${cp.treeSize} covers entries that are gone (the log has ${next})`,
          );
      const extra = await store.nodesBeyond(q, next);
      if (extra.length > 0)
        bad(next, `a tree node (${extra[0]!.level}, ${extra[0]!.idx}) lies beyond the last entry`);
    }
    let references = 0;
    for (const src of this.references) {
      const rows = await q.query<{ ref: string; idx: string; found: boolean }>(
        `SELECT s.ref, s.idx, e.idx IS NOT NULL AS found FROM (${src.sql}) s
         LEFT JOIN ledger_entry e ON e.idx = s.idx
         WHERE e.idx IS NULL OR e.leaf_hash <> s.leaf ORDER BY s.idx LIMIT 1`,
      );
      references += Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM (${src.sql}) s`))[0]!.n);
      for (const r of rows)
        bad(
          Number(r.idx),
          `${r.ref} points at entry ${r.idx}, ${r.found ? 'whose leaf hash differs from the one it kept' : 'which is gone'}`,
        );
    }
    problems.sort((a, b) => a.index - b.index);
    return {
      ok: problems.length === 0,
      entries: next,
      checkpoints: checkpoints.length,
      references,
      ...(problems[0] ? { firstBad: problems[0] } : {}),
    };
  }

  /** Anchors the SHA-256 of an outside document: a public entry holding the hash (not the document). */
  async notarize(docHashHex: string, viewer: Viewer, orgId?: string): Promise<Appended> {
    const docHash = fromHex(docHashHex.toLowerCase(), 32);
    if (!docHash) throw new AppError('bad_request', 'sha256: must be 64 hex digits', { field: 'sha256' });
    let owner: string | null = null;
    if (viewer === null) throw new AppError('unauthorized', 'sign in to notarise a document');
    if (viewer !== 'system') {
      const orgs = orgIdsOf(viewer);
      owner = orgId ?? orgs[0] ?? null;
      if (owner && !orgs.includes(owner))
        throw new AppError('forbidden', 'not a member of that organisation', { field: 'orgId' });
    }
    return this.db.transaction(async (tx) => {
      const appended = await this.append(tx, {
        type: 'notarization',
        subject: toHex(docHash),
        body: { sha256: toHex(docHash) },
        orgId: owner,
        public: true,
      });
      await store.insertNotarization(tx, appended.index, fromHex(appended.leafHash, 32)!, docHash, owner);
      return appended;
    });
  }

  async notarizationsOf(docHashHex: string): Promise<{ index: number; time: string }[]> {
    const docHash = fromHex(docHashHex.toLowerCase(), 32);
    if (!docHash) throw new AppError('bad_request', 'sha256: must be 64 hex digits', { field: 'sha256' });
    return (await store.notarizationsOf(this.db, docHash)).map((r) => ({
      index: Number(r.entry_idx),
      time: (r.entry !== null ? parseEntry(r.entry)?.entry.time : undefined) ?? r.created_at,
    }));
  }

  /** Signs a checkpoint every interval when the log has grown (and at least once per interval). */
  startCheckpointing(intervalMs: number, onError: (e: unknown) => void): () => void {
    const tick = async () => {
      try {
        const latest = await this.latestCheckpoint();
        const size = await store.headSize(this.db);
        const age = latest ? Date.now() - Date.parse(latest.timestamp) : Infinity;
        if (!latest || latest.treeSize !== size || age >= intervalMs) await this.checkpoint();
      } catch (e) {
        onError(e);
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
