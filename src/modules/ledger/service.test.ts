import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/index.js';
import type { Principal } from '../../kernel/access.js';
import { AppError } from '../../kernel/errors.js';
import { emptyLedger, openTestPlatform } from '../../testing/db.js';
import { identityAdmin } from '../identity/index.js';
import { ephemeralSigner } from './keys.js';
import { checkConsistencyProof, checkInclusionProof, type Checkpoint } from './lib/index.js';
import { LedgerService } from './service.js';

// The reference: RFC 9162 as the RFC writes it, over node:crypto, independent of the module.
const sha = (...parts: (Uint8Array | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leaf = (text: string) => sha(Uint8Array.of(0), text);
const node = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(1), l, r);
const mth = (leaves: Buffer[]): Buffer => {
  if (leaves.length === 1) return leaves[0]!;
  const k = 2 ** Math.floor(Math.log2(leaves.length - 1));
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
};

let platform: Awaited<ReturnType<typeof openTestPlatform>>; // without the demo: the log starts empty
let svc: LedgerService;
let db: Db;
let mine: Principal;
let theirs: Principal;
const N = 37;

const entryTexts = async () =>
  (await db.query<{ entry: string }>('SELECT entry FROM ledger_entry ORDER BY idx')).map((r) => r.entry);

/** What an attacker with the database does to cover their tracks: the stored tree rebuilt from the entries as they now are. */
async function rebuildNodes(): Promise<void> {
  const leaves = (
    await db.query<{ leaf_hash: Uint8Array }>('SELECT leaf_hash FROM ledger_entry ORDER BY idx')
  ).map((r) => Buffer.from(r.leaf_hash));
  await db.query('DELETE FROM ledger_node');
  for (let level = 1; 2 ** level <= leaves.length; level++)
    for (let i = 0; (i + 1) * 2 ** level <= leaves.length; i++) {
      const h = mth(leaves.slice(i * 2 ** level, (i + 1) * 2 ** level));
      await db.query('INSERT INTO ledger_node (level, idx, hash) VALUES ($1, $2, $3)', [level, i, h]);
    }
}

/** Runs an attack, checks what verify says, and puts the database back as it was. */
async function attack(act: () => Promise<void>, expected: { index: number; reason: RegExp }): Promise<void> {
  const saved = {
    entries: await db.query('SELECT * FROM ledger_entry ORDER BY idx'),
    nodes: await db.query('SELECT * FROM ledger_node'),
    checkpoints: await db.query('SELECT * FROM ledger_checkpoint'),
    notarizations: await db.query('SELECT * FROM ledger_notarization'),
    head: await db.query('SELECT size FROM ledger_head'),
  };
  try {
    await act();
    const report = await svc.verify();
    expect(report.ok).toBe(false);
    expect(report.firstBad?.reason).toMatch(expected.reason);
    expect(report.firstBad?.index).toBe(expected.index);
  } finally {
    await platform.db.transaction(async (tx) => {
      await tx.query('DELETE FROM ledger_notarization');
      await tx.query('DELETE FROM ledger_checkpoint');
      await tx.query('DELETE FROM ledger_node');
      await tx.query('DELETE FROM ledger_entry');
      for (const e of saved.entries as Record<string, unknown>[])
        await tx.query(
          'INSERT INTO ledger_entry (idx, type, subject, entry, leaf_hash, org_id, public, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)',
          [
            e['idx'],
            e['type'],
            e['subject'],
            e['entry'],
            Buffer.from(e['leaf_hash'] as Uint8Array),
            e['org_id'],
            e['public'],
            e['created_at'],
          ],
        );
      for (const n of saved.nodes as Record<string, unknown>[])
        await tx.query('INSERT INTO ledger_node (level, idx, hash) VALUES ($1,$2,$3)', [
          n['level'],
          n['idx'],
          Buffer.from(n['hash'] as Uint8Array),
        ]);
      for (const c of saved.checkpoints as Record<string, unknown>[])
        await tx.query(
          'INSERT INTO ledger_checkpoint (id, origin, tree_size, root_hash, signed_time, signature, public_key, note, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
          [
            c['id'],
            c['origin'],
            c['tree_size'],
            Buffer.from(c['root_hash'] as Uint8Array),
            c['signed_time'],
            Buffer.from(c['signature'] as Uint8Array),
            Buffer.from(c['public_key'] as Uint8Array),
            c['note'],
            c['created_at'],
          ],
        );
      for (const n of saved.notarizations as Record<string, unknown>[])
        await tx.query(
          'INSERT INTO ledger_notarization (entry_idx, leaf_hash, doc_hash, org_id, created_at) VALUES ($1,$2,$3,$4,$5)',
          [
            n['entry_idx'],
            Buffer.from(n['leaf_hash'] as Uint8Array),
            Buffer.from(n['doc_hash'] as Uint8Array),
            n['org_id'],
            n['created_at'],
          ],
        );
      await tx.query('UPDATE ledger_head SET size = $1', [(saved.head[0] as { size: string }).size]);
    });
    expect((await svc.verify()).ok).toBe(true);
  }
}

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  svc = platform.ledger;
  db = platform.db;
  await emptyLedger(db);
  const a = await identityAdmin.ensureOrg(db, 'ledger-a', 'Ledger A');
  const b = await identityAdmin.ensureOrg(db, 'ledger-b', 'Ledger B');
  mine = {
    kind: 'user',
    id: '00000000-0000-4000-8000-0000000000a1',
    name: 'A',
    memberships: [{ orgId: a, role: 'member' }],
  };
  theirs = {
    kind: 'user',
    id: '00000000-0000-4000-8000-0000000000b1',
    name: 'B',
    memberships: [{ orgId: b, role: 'admin' }],
  };
  // 37 entries: 10 one at a time, then batches; checkpoints at 10, 20 and 37; entry 7 private to A.
  for (let i = 0; i < 10; i++)
    await db.transaction((tx) =>
      svc.append(tx, {
        type: 'test.item',
        subject: `item-${i}`,
        body: { i, amount: '12.50' },
        public: i !== 7,
        orgId: a,
      }),
    );
  await svc.checkpoint();
  await db.transaction((tx) =>
    svc.appendMany(
      tx,
      Array.from({ length: 10 }, (_, k) => ({
        type: 'test.item',
        subject: `item-${10 + k}`,
        body: { i: 10 + k },
        public: true,
      })),
    ),
  );
  await svc.checkpoint();
  await svc.notarize(sha('a test report').toString('hex'), mine);
  await db.transaction((tx) =>
    svc.appendMany(
      tx,
      Array.from({ length: N - 21 }, (_, k) => ({
        type: 'test.item',
        subject: `item-${21 + k}`,
        body: { i: 21 + k },
        public: true,
      })),
    ),
  );
  await svc.checkpoint();
});
afterAll(async () => platform?.dispose());

describe('the ledger', () => {
  it('keeps the RFC 9162 tree of its entries, one at a time or in batches', async () => {
    const texts = await entryTexts();
    expect(texts).toHaveLength(N);
    const cp = (await svc.latestCheckpoint())!;
    expect(cp.treeSize).toBe(N);
    expect(cp.rootHash).toBe(mth(texts.map(leaf)).toString('hex'));
    const cps = await svc.recentCheckpoints();
    expect(cps.map((c) => c.treeSize)).toEqual([37, 20, 10]);
    expect(cps[2]!.rootHash).toBe(mth(texts.slice(0, 10).map(leaf)).toString('hex'));
    expect(await svc.verify()).toEqual({ ok: true, entries: N, checkpoints: 3, references: 1 });
  });

  it("appends in the caller's transaction: a rolled-back record leaves no entry", async () => {
    const before = await svc.size();
    await expect(
      db.transaction(async (tx) => {
        await svc.append(tx, { type: 'test.item', subject: 'doomed', body: {} });
        throw new Error('the record failed');
      }),
    ).rejects.toThrow('the record failed');
    expect(await svc.size()).toBe(before);
    expect((await svc.verify()).ok).toBe(true);
  });

  it('refuses bad entries, naming the field', async () => {
    const bad = async (input: Parameters<LedgerService['append']>[1]) =>
      db
        .transaction((tx) => svc.append(tx, input))
        .then(
          () => expect.unreachable('accepted a bad entry'),
          (e: unknown) => e as AppError,
        );
    expect((await bad({ type: 'Bad Type', subject: 's', body: {} })).field).toBe('type');
    expect((await bad({ type: 't', subject: '', body: {} })).field).toBe('subject');
    expect((await bad({ type: 't', subject: 's', body: { big: 'x'.repeat(70_000) } })).field).toBe('body');
    expect(await svc.size()).toBe(N);
  });

  it('proves inclusion and consistency in a way the library (and so a third party) accepts', async () => {
    for (const i of [0, 7, 19, 20, 36]) {
      const proof = await svc.inclusionProof(i, 'system');
      expect(proof.treeSize).toBe(N);
      expect(checkInclusionProof(proof, { trustedKeys: [svc.publicKey] })).toEqual({ ok: true });
      const older = await svc.inclusionProof(i, 'system', Math.max(i + 1, 20));
      expect(checkInclusionProof(older).ok).toBe(true);
    }
    const texts = await entryTexts();
    const c = await svc.consistencyProof(10, 37);
    expect(c.fromRoot).toBe(mth(texts.slice(0, 10).map(leaf)).toString('hex'));
    expect(checkConsistencyProof(c)).toEqual({ ok: true });
    await expect(svc.inclusionProof(3, 'system', 3)).rejects.toMatchObject({ field: 'treeSize' });
  });

  it('shows public entries to anyone and private ones to their organisation only', async () => {
    expect((await svc.entry(3, null)).subject).toBe('item-3');
    expect((await svc.entry(7, mine)).subject).toBe('item-7');
    for (const viewer of [null, theirs]) {
      await expect(svc.entry(7, viewer)).rejects.toMatchObject({ code: 'not_found' });
      await expect(svc.inclusionProof(7, viewer)).rejects.toMatchObject({ code: 'not_found' });
    }
    await expect(svc.entry(999, mine)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('notarises a document by its hash and finds it again', async () => {
    const anchors = await svc.notarizationsOf(sha('a test report').toString('hex'));
    expect(anchors).toHaveLength(1);
    expect(anchors[0]!.index).toBe(20);
    expect(await svc.notarizationsOf(sha('another').toString('hex'))).toEqual([]);
    await expect(svc.notarize('abc', mine)).rejects.toMatchObject({ field: 'sha256' });
  });
});

describe('signed checkpoints on a schedule', () => {
  it('signs one when the log has grown since the last, at once and then every interval', async () => {
    const before = (await svc.latestCheckpoint())!;
    await db.transaction((tx) => svc.append(tx, { type: 'test.item', subject: 'late', body: {} }));
    const stop = svc.startCheckpointing(3_600_000, (e) => {
      throw e;
    });
    try {
      let latest = before;
      for (let i = 0; i < 100 && latest.treeSize === before.treeSize; i++) {
        await new Promise((r) => setTimeout(r, 50));
        latest = (await svc.latestCheckpoint())!;
      }
      expect(latest.treeSize).toBe(before.treeSize + 1);
      expect(latest.timestamp >= before.timestamp).toBe(true);
    } finally {
      stop();
      await db.query('DELETE FROM ledger_checkpoint WHERE tree_size = $1', [before.treeSize + 1]);
      await db.query('DELETE FROM ledger_node WHERE (idx + 1) * (2 ^ level) > $1', [before.treeSize]);
      await db.query('DELETE FROM ledger_entry WHERE idx >= $1', [before.treeSize]);
      await db.query('UPDATE ledger_head SET size = $1', [before.treeSize]);
    }
    expect((await svc.verify()).ok).toBe(true);
  });
});

describe('ledger verify catches tampering and names where', () => {
  const text13 = async () =>
    (await db.query<{ entry: string }>('SELECT entry FROM ledger_entry WHERE idx = 13'))[0]!.entry;
  const forged = async () => (await text13()).replace('"i":13', '"i":14');

  it('one byte of an entry changed', () =>
    attack(
      async () => {
        await db.query('UPDATE ledger_entry SET entry = $1 WHERE idx = 13', [await forged()]);
      },
      { index: 13, reason: /entry 13: its text does not hash/ },
    ));

  it('an entry and its leaf hash changed together', () =>
    attack(
      async () => {
        const t = await forged();
        await db.query('UPDATE ledger_entry SET entry = $1, leaf_hash = $2 WHERE idx = 13', [t, leaf(t)]);
      },
      { index: 12, reason: /entries 12 to 13 do not match the tree stored for them/ },
    ));

  it('an entry changed and the whole stored tree rebuilt to match', () =>
    attack(
      async () => {
        const t = await forged();
        await db.query('UPDATE ledger_entry SET entry = $1, leaf_hash = $2 WHERE idx = 13', [t, leaf(t)]);
        await rebuildNodes();
      },
      {
        index: 10,
        reason: /entries 10 to 19 no longer give the root hash signed in the checkpoint of tree size 20/,
      },
    ));

  it('a stored tree node deleted', () =>
    attack(
      async () => {
        await db.query('DELETE FROM ledger_node WHERE level = 1 AND idx = 3');
      },
      { index: 6, reason: /the tree node 1:3 over entries 6 to 7 is missing/ },
    ));

  it('an entry deleted', () =>
    attack(
      async () => {
        await db.query('DELETE FROM ledger_entry WHERE idx = 5');
      },
      { index: 5, reason: /entry 5 is missing/ },
    ));

  it('two entries swapped', () =>
    attack(
      async () => {
        await db.query('UPDATE ledger_entry SET idx = 1000000 WHERE idx = 22');
        await db.query('UPDATE ledger_entry SET idx = 22 WHERE idx = 25');
        await db.query('UPDATE ledger_entry SET idx = 25 WHERE idx = 1000000');
      },
      { index: 22, reason: /entries 22 to 23 do not match/ },
    ));

  it('the log cut short', () =>
    attack(
      async () => {
        await db.query('DELETE FROM ledger_entry WHERE idx >= 30');
        await db.query('DELETE FROM ledger_node WHERE (idx + 1) * (2 ^ level) > 30');
        await db.query('UPDATE ledger_head SET size = 30');
      },
      { index: 30, reason: /checkpoint of tree size 37 covers entries that are gone/ },
    ));

  it('the tail replaced and re-signed with another key', () =>
    attack(
      async () => {
        await db.query('DELETE FROM ledger_entry WHERE idx >= 30');
        await db.query('DELETE FROM ledger_node WHERE (idx + 1) * (2 ^ level) > 30');
        await db.query('DELETE FROM ledger_checkpoint WHERE tree_size > 30');
        await db.query('UPDATE ledger_head SET size = 30');
        const forger = new LedgerService(platform.db, { signer: ephemeralSigner(), origin: svc.origin });
        await platform.db.transaction((tx) =>
          forger.appendMany(
            tx,
            Array.from({ length: 7 }, (_, k) => ({ type: 'test.item', subject: `forged-${k}`, body: {} })),
          ),
        );
        await forger.checkpoint();
      },
      {
        index: 0,
        reason:
          /checkpoint of tree size 37: the checkpoint is signed by key [0-9a-f]{64}, which is not the log's key/,
      },
    ));

  it('a record that points at an entry, changed', () =>
    attack(
      async () => {
        await db.query('UPDATE ledger_notarization SET leaf_hash = $1', [leaf('something else')]);
      },
      { index: 20, reason: /notarization of [0-9a-f]{64} points at entry 20, whose leaf hash differs/ },
    ));
});

describe('an outside witness', () => {
  it('catches a rewritten history even when the attacker holds the key', async () => {
    const witnessed: Checkpoint = (await svc.latestCheckpoint())!;
    expect(await svc.checkWitnessed(witnessed)).toMatchObject({ ok: true });
    await attack(
      async () => {
        // The attacker changes entry 3, rebuilds the tree, drops every checkpoint and signs anew:
        // verify has nothing left to compare with, but the witness kept the old checkpoint.
        const t = (await entryTexts())[3]!.replace('"i":3', '"i":333');
        await db.query('UPDATE ledger_entry SET entry = $1, leaf_hash = $2 WHERE idx = 3', [t, leaf(t)]);
        await rebuildNodes();
        await db.query('DELETE FROM ledger_checkpoint');
        await svc.checkpoint();
        const r = await svc.checkWitnessed(witnessed);
        expect(r.ok).toBe(false);
        expect(r.reason).toMatch(/the first 37 entries no longer have the witnessed root hash/);
        // verify itself still fails here: the notarization kept entry 20's hash, which is intact,
        // so give it a reason to fail on purpose to restore through attack()'s checks.
        await db.query('UPDATE ledger_entry SET entry = entry || $1 WHERE idx = 3', [' ']);
      },
      { index: 3, reason: /entry 3/ },
    );
    const forged = { ...witnessed, treeSize: 36 };
    expect((await svc.checkWitnessed(forged)).reason).toMatch(/signature/);
  });
});
