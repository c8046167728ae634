import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalEntry,
  checkInclusionProof,
  checkpointBody,
  consistencyProof,
  entryLeafHash,
  fromHex,
  inclusionPath,
  parseEntry,
  rootHash,
  signedNote,
  toHex,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
  type NodeSource,
} from './index.js';

// Independent reference: node:crypto (OpenSSL) SHA-256 and the RFC 9162 definitions written out
// recursively, as the RFC states them.
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const nodeSha = (d: Uint8Array) => sha(d);
const refLeaf = (d: Uint8Array) => sha(Uint8Array.of(0), d);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(1), l, r);
const k = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
const mth = (d: Uint8Array[]): Uint8Array =>
  d.length === 0
    ? sha()
    : d.length === 1
      ? refLeaf(d[0]!)
      : refNode(mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
/** A NodeSource over the reference: the perfect subtree at (level, index). */
const source =
  (d: Uint8Array[]): NodeSource =>
  (level, index) =>
    mth(d.slice(index * 2 ** level, (index + 1) * 2 ** level));

// Test vectors of RFC 6962 as published with Certificate Transparency and transparency-dev/merkle
// (testonly/constants.go, proof/verify_test.go).
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => fromHex(h)!);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const PATHS: [number, number, string[]][] = [
  [0, 1, []],
  [0, 2, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7']],
  [1, 2, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];
const CONSISTENCY: [number, number, string[]][] = [
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

describe('Merkle tree (RFC 9162) against the published vectors', () => {
  it('gives the published root of every tree of 1 to 8 leaves, and SHA-256("") for none', () => {
    for (let n = 1; n <= 8; n++) {
      expect(toHex(mth(LEAVES.slice(0, n)))).toBe(ROOTS[n - 1]); // the reference agrees
      expect(toHex(rootHash(n, source(LEAVES)))).toBe(ROOTS[n - 1]);
    }
    expect(toHex(rootHash(0, source(LEAVES)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('builds the published audit paths and consistency proofs', () => {
    for (const [i, n, want] of PATHS) expect(inclusionPath(i, n, source(LEAVES)).map(toHex)).toEqual(want);
    for (const [m, n, want] of CONSISTENCY)
      expect(consistencyProof(m, n, source(LEAVES)).map(toHex)).toEqual(want);
  });

  it('verifies every inclusion and consistency proof up to 8 leaves, with noble and with OpenSSL SHA-256', () => {
    for (let n = 1; n <= 8; n++) {
      const root = fromHex(ROOTS[n - 1])!;
      for (let i = 0; i < n; i++) {
        const path = inclusionPath(i, n, source(LEAVES));
        expect(verifyInclusion(refLeaf(LEAVES[i]!), i, n, path, root)).toEqual({ ok: true });
        expect(verifyInclusion(refLeaf(LEAVES[i]!), i, n, path, root, nodeSha)).toEqual({ ok: true });
      }
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(m, n, source(LEAVES));
        const mRoot = m === 0 ? sha() : fromHex(ROOTS[m - 1])!;
        expect(verifyConsistency(m, n, proof, mRoot, root)).toEqual({ ok: true });
      }
    }
  });

  it('agrees with the reference on a larger, uneven tree', () => {
    const leaves = Array.from({ length: 1000 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
    const src = source(leaves);
    for (const n of [1, 2, 3, 255, 256, 257, 999, 1000])
      expect(toHex(rootHash(n, src, nodeSha))).toBe(toHex(mth(leaves.slice(0, n))));
    const root = mth(leaves);
    for (const i of [0, 1, 511, 512, 998, 999])
      expect(verifyInclusion(refLeaf(leaves[i]!), i, 1000, inclusionPath(i, 1000, src), root).ok).toBe(true);
    for (const m of [1, 7, 512, 513, 999])
      expect(
        verifyConsistency(m, 1000, consistencyProof(m, 1000, src), mth(leaves.slice(0, m)), root).ok,
      ).toBe(true);
  });
});

describe('Merkle proofs that are wrong', () => {
  // The probes of transparency-dev/merkle's corruptInclusionProof, on the (5, 8) vector.
  const [index, size, hexPath] = PATHS[6]!;
  const path = hexPath.map((h) => fromHex(h)!);
  const root = fromHex(ROOTS[7])!;
  const leaf = refLeaf(LEAVES[5]!);
  const some = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456')!;
  const probes: [string, () => ReturnType<typeof verifyInclusion>][] = [
    ['index - 1', () => verifyInclusion(leaf, index - 1, size, path, root)],
    ['index + 1', () => verifyInclusion(leaf, index + 1, size, path, root)],
    ['index ^ 2', () => verifyInclusion(leaf, index ^ 2, size, path, root)],
    ['size * 2', () => verifyInclusion(leaf, index, size * 2, path, root)],
    ['size / 2', () => verifyInclusion(leaf, index, size / 2, path, root)],
    [
      'wrong leaf',
      () => verifyInclusion(refLeaf(new TextEncoder().encode('WrongLeaf')), index, size, path, root),
    ],
    ['empty root', () => verifyInclusion(leaf, index, size, path, sha())],
    ['random root', () => verifyInclusion(leaf, index, size, path, some)],
    ['trailing root', () => verifyInclusion(leaf, index, size, [...path, root], root)],
    ['preceding root', () => verifyInclusion(leaf, index, size, [root, ...path], root)],
    ['removed component', () => verifyInclusion(leaf, index, size, path.slice(0, -1), root)],
    [
      'inserted component',
      () => verifyInclusion(leaf, index, size, [path[0]!, some, ...path.slice(1)], root),
    ],
    ...path.map(
      (_, i) =>
        [
          `bit flipped in path[${i}]`,
          () =>
            verifyInclusion(
              leaf,
              index,
              size,
              path.map((p, j) => (j === i ? p.map((b, x) => (x === 0 ? b ^ 8 : b)) : p)),
              root,
            ),
        ] as [string, () => ReturnType<typeof verifyInclusion>],
    ),
    [
      'short hash in the path',
      () => verifyInclusion(leaf, index, size, [new Uint8Array(31), ...path.slice(1)], root),
    ],
    ['index beyond the tree', () => verifyInclusion(leaf, 8, 8, path, root)],
    ['empty tree', () => verifyInclusion(leaf, 0, 0, [], root)],
    ['fractional index', () => verifyInclusion(leaf, 1.5, 8, path, root)],
  ];
  it.each(probes)('rejects an inclusion proof with %s, saying why', (_, probe) => {
    const r = probe();
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/\w/);
  });

  it('rejects wrong consistency proofs, saying why', () => {
    const [m, n, hexProof] = CONSISTENCY[1]!;
    const proof = hexProof.map((h) => fromHex(h)!);
    const mRoot = fromHex(ROOTS[m - 1])!;
    const nRoot = fromHex(ROOTS[n - 1])!;
    const cases = [
      verifyConsistency(m, n, proof, mRoot, fromHex(ROOTS[6])!), // another new root
      verifyConsistency(m, n, proof, fromHex(ROOTS[4])!, nRoot), // another old root
      verifyConsistency(m, n, proof.slice(1), mRoot, nRoot),
      verifyConsistency(m, n, [...proof, nRoot], mRoot, nRoot),
      verifyConsistency(m, n, [], mRoot, nRoot),
      verifyConsistency(n, m, proof, nRoot, mRoot),
      verifyConsistency(n, n, [], nRoot, mRoot),
      verifyConsistency(m, n, [new Uint8Array(5)], mRoot, nRoot),
    ];
    for (const c of cases) {
      expect(c.ok).toBe(false);
      expect(c.reason).toMatch(/\w/);
    }
  });
});

describe('entries and checkpoints', () => {
  it("writes entries as RFC 8785 canonical JSON (the RFC's own example)", () => {
    // RFC 8785 section 3.2.3: numbers in ECMAScript form, keys sorted, minimal string escapes.
    const body = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    const text = canonicalEntry({ type: 't', subject: 's', time: '2026-01-01T00:00:00.000Z', body });
    expect(text).toBe(
      '{"body":{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"},"subject":"s","time":"2026-01-01T00:00:00.000Z","type":"t"}',
    );
    expect(parseEntry(text)).toMatchObject({ canonical: true, entry: { type: 't' } });
    expect(parseEntry(text.replace('"subject":"s",', '"subject":"s", '))?.canonical).toBe(false);
    // JSON allows a lone surrogate, RFC 8785 does not: not canonical, and no exception.
    expect(parseEntry('{"body":"\\ud800","subject":"s","time":"t","type":"t"}')).toMatchObject({
      canonical: false,
    });
    expect(parseEntry('not json')).toBeNull();
    expect(toHex(entryLeafHash(text))).toBe(toHex(refLeaf(new TextEncoder().encode(text))));
  });

  const keys = () => generateKeyPairSync('ed25519');
  const raw = (k: KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }).subarray(12));
  /** Signed with OpenSSL through node:crypto: an implementation other than the library's. */
  const checkpoint = (size: number, root: string, key = keys()): Checkpoint => {
    const fields = {
      origin: 'greentrade.test/ledger',
      treeSize: size,
      rootHash: root,
      timestamp: '2026-11-25T10:00:00.000Z',
    };
    const body = checkpointBody(fields);
    const signature = new Uint8Array(sign(null, Buffer.from(body), key.privateKey));
    const publicKey = raw(key.publicKey);
    return {
      ...fields,
      signature: toHex(signature),
      publicKey: toHex(publicKey),
      note: signedNote(body, fields.origin, publicKey, signature),
    };
  };

  it('verifies a checkpoint signed by OpenSSL, in the C2SP signed-note form', () => {
    const cp = checkpoint(8, ROOTS[7]!);
    expect(verifyCheckpoint(cp)).toEqual({ ok: true });
    expect(verifyCheckpoint(cp, [cp.publicKey])).toEqual({ ok: true });
    const [body, sigLine] = cp.note.split('\n\n');
    expect(body).toBe(
      `greentrade.test/ledger\n8\n${Buffer.from(ROOTS[7]!, 'hex').toString('base64')}\ntime 2026-11-25T10:00:00.000Z`,
    );
    // Key id: SHA-256(name || \n || 0x01 || key)[:4], computed here with OpenSSL.
    const keyId = sha(
      new TextEncoder().encode('greentrade.test/ledger\n'),
      Uint8Array.of(1),
      fromHex(cp.publicKey)!,
    ).subarray(0, 4);
    const sig = Buffer.from(sigLine!.split(' ')[2]!, 'base64');
    expect(toHex(sig.subarray(0, 4))).toBe(toHex(keyId));
    expect(toHex(sig.subarray(4))).toBe(cp.signature);
  });

  it('rejects a changed or re-signed checkpoint, and malformed ones, saying why', () => {
    const cp = checkpoint(8, ROOTS[7]!);
    const other = checkpoint(8, ROOTS[6]!); // a rewritten log, signed with another key
    expect(verifyCheckpoint({ ...cp, treeSize: 9 }).reason).toMatch(/signature/);
    expect(verifyCheckpoint({ ...cp, rootHash: ROOTS[6] }).reason).toMatch(/signature/);
    expect(verifyCheckpoint({ ...cp, timestamp: '2026-11-25T10:00:01.000Z' }).reason).toMatch(/signature/);
    expect(verifyCheckpoint(other, [cp.publicKey]).reason).toMatch(/not the log's key/);
    expect(verifyCheckpoint({ ...cp, note: cp.note.replace('8', '9') }).reason).toMatch(/note/);
    for (const bad of [
      null,
      'x',
      { ...cp, signature: 'zz' },
      { ...cp, publicKey: cp.publicKey.slice(2) },
      { ...cp, treeSize: -1 },
    ])
      expect(verifyCheckpoint(bad).ok).toBe(false);
  });

  it('checks a whole inclusion proof with its entry and checkpoint', () => {
    const entries = [0, 1, 2, 3, 4].map((i) =>
      canonicalEntry({ type: 'test', subject: `s${i}`, time: '2026-11-25T10:00:00.000Z', body: { i } }),
    );
    const bytes = entries.map((e) => new TextEncoder().encode(e));
    const root = toHex(mth(bytes));
    const proof = {
      index: 3,
      treeSize: 5,
      leafHash: toHex(refLeaf(bytes[3]!)),
      rootHash: root,
      path: inclusionPath(3, 5, source(bytes)).map(toHex),
      entry: entries[3],
      checkpoint: checkpoint(5, root),
    };
    expect(checkInclusionProof(proof, { trustedKeys: [proof.checkpoint.publicKey] })).toEqual({ ok: true });
    expect(checkInclusionProof({ ...proof, entry: entries[2] }).reason).toMatch(/hashes to/);
    expect(checkInclusionProof({ ...proof, index: 2 }).ok).toBe(false);
    expect(checkInclusionProof({ ...proof, checkpoint: checkpoint(5, ROOTS[4]!) }).reason).toMatch(
      /another tree size or root/,
    );
    expect(checkInclusionProof(proof, { trustedKeys: [checkpoint(1, root).publicKey] }).reason).toMatch(
      /not the log's key/,
    );
    for (const bad of [
      null,
      [],
      { ...proof, path: 'x' },
      { ...proof, path: ['00'] },
      { ...proof, leafHash: 1 },
      { ...proof, treeSize: '5' },
    ])
      expect(checkInclusionProof(bad).ok).toBe(false);
  });
});
