import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { createLogger } from '../../../kernel/log.js';
import { buildApp } from '../../../server/app.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import type { CommunicationFile, InstallationDataInput } from '../model.js';
import { fileHash, newKey, signHash } from './signing.js';
import { blankTemplate } from './workbook.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let app: ReturnType<typeof buildApp>;
let orgA: string;
let orgB: string;
let installationId: string;
const cookies: Record<string, string> = {};
const base = 'http://greentrade.test';
const P = '/api/v1/cbam';
const PASSWORD = 'cbam-communication-test';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const user = (orgId: string, role: Role = 'member'): Principal => ({
  kind: 'user',
  id: `u-${orgId}-${role}`,
  name: `user of ${orgId}`,
  memberships: [{ orgId, role }],
});

// A cement works whose kiln reports 8 917.7 t CO2e of direct emissions over 10 000 t of clinker:
// SEE (direct) = 8 917.7 / 10 000 = 0.89177 t CO2e/t.
const cementWorks: InstallationDataInput = {
  installation: { name: 'Comm Cement Works', operator: 'Comm Cement Co.', country: 'TR', city: 'Izmir' },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  processes: [
    {
      id: 'kiln',
      name: 'Kiln',
      goodsCategory: 'cement_clinker',
      cnCodes: ['25231000'],
      production: '10000',
      otherDirectEmissions: '8917.7',
    },
  ],
};

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
  orgA = await identityAdmin.ensureOrg(platform.db, 'comm-a', 'Comm Exporter A');
  orgB = await identityAdmin.ensureOrg(platform.db, 'comm-b', 'Comm Exporter B');
  installationId = (await platform.cbam.installations.save(user(orgA), orgA, cementWorks)).id;
  for (const [name, orgId] of [
    ['a', orgA],
    ['b', orgB],
  ] as const) {
    const email = `${name}@cbam-comm.test`;
    await identityAdmin.createUser(platform.db, {
      email,
      name,
      password: PASSWORD,
      orgId,
      roles: ['member'],
    });
    const res = await app.request(base + '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    cookies[name] = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }
});
afterAll(async () => platform?.dispose());

const svc = () => platform.cbam.communication;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('communication files: issue and verify', () => {
  it('issues a signed file with the real calculation, records only its hash publicly, and verifies it', async () => {
    const file = await svc().issue(user(orgA), installationId);
    expect(file.issuer).toEqual({ org: 'comm-a', name: 'Comm Exporter A' });
    expect(file.data.installation.name).toBe('Comm Cement Works');
    const good = file.results.goods.find((g) => g.cn === '25231000')!;
    expect(good.seeDirect).toBe('0.89177');
    expect(file.proof!.sha256).toBe(fileHash(file as unknown as Record<string, unknown>));
    expect(file.proof!.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    expect(file.proof!.publicKey).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });

    const entry = await platform.ledger.entry(file.proof!.ledger!.index, null);
    expect(entry.type).toBe('cbam.communication');
    const verdict = await svc().verify(clone(file));
    expect(verdict).toEqual({ valid: true, reasons: [], publicKeyThumbprint: verdict.publicKeyThumbprint });
    // The public entry holds the id, the hash and the key, and none of the figures.
    expect(entry.body).toEqual({
      fileId: file.id,
      sha256: file.proof!.sha256,
      keyThumbprint: verdict.publicKeyThumbprint,
    });
    expect(JSON.stringify(entry.body)).not.toContain('8917.7');

    // One key per organisation: a second file is signed with the same one.
    const again = await svc().issue(user(orgA), installationId);
    expect(again.proof!.publicKey).toEqual(file.proof!.publicKey);
    expect(again.id).not.toBe(file.id);
  });

  it('a tampered figure fails with a reason naming it; a signature by another key fails', async () => {
    const file = await svc().issue(user(orgA), installationId);

    const tampered = clone(file);
    tampered.results.goods[0]!.seeDirect = '0.5';
    let verdict = await svc().verify(tampered);
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons[0]).toBe(
      'the content does not match its hash: changed since it was issued: results.goods.0.seeDirect',
    );
    expect(verdict.reasons).toContain('the signature is over the original content, not this one');

    // Re-hashed and re-signed by someone else's key, with that key embedded: the signature holds,
    // but the ledger entry records the hash and key of the file as issued.
    const forged = clone(tampered) as CommunicationFile;
    const other = await newKey();
    const sha = fileHash(forged as unknown as Record<string, unknown>);
    forged.proof = {
      ...forged.proof!,
      sha256: sha,
      jws: await signHash(other, sha),
      publicKey: other.publicJwk,
    };
    verdict = await svc().verify(forged);
    expect(verdict.valid).toBe(false);
    expect(verdict.publicKeyThumbprint).toBe(other.thumbprint);
    const index = file.proof!.ledger!.index;
    expect(verdict.reasons).toEqual([
      `ledger entry ${index} records SHA-256 ${file.proof!.sha256}, the file's is ${sha}`,
      `signed with key ${other.thumbprint}, but ledger entry ${index} records key ${verdict.reasons[1]!.split(' records key ')[1]}`,
    ]);
    expect(verdict.reasons[1]).not.toContain(`records key ${other.thumbprint}`);

    // Signed by another key but carrying the organisation's public key: the signature fails.
    const wrongSigner = clone(file);
    wrongSigner.proof!.jws = await signHash(other, file.proof!.sha256);
    verdict = await svc().verify(wrongSigner);
    expect(verdict.reasons).toEqual(['the signature does not verify with the embedded public key']);

    verdict = await svc().verify({ ...clone(file), proof: undefined });
    expect(verdict).toMatchObject({ valid: false, reasons: ['proof: the file is not signed'] });
  });

  it('round trip through the XLSX: same installation data, same signed JSON, still valid', async () => {
    const file = await svc().issue(user(orgA), installationId);
    const bytes = await svc().toXlsx(file);
    const back = await svc().fromXlsx(bytes);
    expect(back.data).toEqual(file.data);
    expect(back.file).toEqual(file);
    expect(await svc().verifyBytes(bytes)).toMatchObject({ valid: true, reasons: [] });
    const blank = await svc().verifyBytes(await blankTemplate());
    expect(blank.valid).toBe(false);
    expect(blank.reasons[0]).toMatch(/no signed file/);
  });

  it("only the installation's organisation issues and sees its files", async () => {
    const e = await refusal(svc().issue(user(orgB), installationId));
    expect(e.code).toBe('not_found');
    const verifier = await refusal(svc().issue(user(orgA, 'verifier'), installationId));
    expect(verifier.code).toBe('forbidden');
    const mine = await svc().list(user(orgA));
    expect(mine.length).toBeGreaterThan(0);
    expect(await svc().list(user(orgB))).toEqual([]);
    expect((await refusal(svc().get(user(orgB), mine[0]!.id))).code).toBe('not_found');
  });
});

describe('communication files over HTTP', () => {
  const call = (path: string, who: string, init: { method?: string; json?: unknown; bytes?: Buffer } = {}) =>
    app.request(base + path, {
      method: init.method ?? 'GET',
      headers: {
        ...(who ? { cookie: cookies[who]! } : {}),
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.bytes !== undefined ? { 'content-type': XLSX } : {}),
      },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      ...(init.bytes !== undefined ? { body: new Uint8Array(init.bytes) } : {}),
    });

  it('issues, lists, serves JSON and XLSX, verifies and reads templates; other organisations see nothing', async () => {
    const issued = await call(`${P}/installations/${installationId}/communication`, 'a', { method: 'POST' });
    expect(issued.status).toBe(201);
    const { file } = (await issued.json()) as { file: CommunicationFile };

    const list = (await (await call(`${P}/communications`, 'a')).json()) as {
      communications: { id: string }[];
    };
    expect(list.communications.map((c) => c.id)).toContain(file.id);
    const theirs = (await (await call(`${P}/communications`, 'b')).json()) as { communications: unknown[] };
    expect(theirs.communications).toEqual([]);

    const json = await call(`${P}/communications/${file.id}`, 'a');
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual(file);
    expect((await call(`${P}/communications/${file.id}`, 'b')).status).toBe(404);
    expect((await call(`${P}/communications/${file.id}.xlsx`, 'b')).status).toBe(404);
    expect(
      (await call(`${P}/installations/${installationId}/communication`, 'b', { method: 'POST' })).status,
    ).toBe(404);
    expect((await call(`${P}/communications`, '')).status).toBe(401);

    for (const path of [
      `${P}/communications/${file.id}.xlsx`,
      `${P}/communications/${file.id}?format=xlsx`,
    ]) {
      const x = await call(path, 'a');
      expect(x.status).toBe(200);
      expect(x.headers.get('content-type')).toBe(XLSX);
      const bytes = Buffer.from(await x.arrayBuffer());
      const verdict = await call(`${P}/communications/verify`, 'b', { method: 'POST', bytes });
      expect(await verdict.json()).toMatchObject({ valid: true, reasons: [] });
      const read = await call(`${P}/templates/read`, 'b', { method: 'POST', bytes });
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual({ data: file.data, signed: true });
    }

    const tampered = clone(file);
    tampered.results.goods[0]!.seeTotal = '0.1';
    const verdict = (await (
      await call(`${P}/communications/verify`, 'b', { method: 'POST', json: tampered })
    ).json()) as { valid: boolean; reasons: string[] };
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons[0]).toMatch(/results\.goods\.0\.seeTotal/);
  });

  it('names the cell of a bad template and refuses bodies over 10 MiB', async () => {
    const file = await svc().issue(user(orgA), installationId);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await svc().toXlsx(file)) as unknown as ArrayBuffer);
    wb.getWorksheet('D_Processes')!.getCell('F5').value = 'lots';
    const bad = await call(`${P}/templates/read`, 'a', {
      method: 'POST',
      bytes: Buffer.from(await wb.xlsx.writeBuffer()),
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { message: string; field: string } };
    expect(body.error.message).toBe('D_Processes!F5 (Activity level): not a number ("lots")');
    expect(body.error.field).toBe('D_Processes!F5');

    const big = await call(`${P}/templates/read`, 'a', {
      method: 'POST',
      bytes: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
  });
});
