/**
 * End-to-end: the EU importer's CBAM pages in a real Chromium against the built server with the
 * demo data. The exporter (org `demo`) issues the signed communication file of its demo steel
 * works through the API; the importer (org `demo-importer`) uploads it on the supplier files page,
 * uploads a shipments CSV made here, and reads its declaration (lines, totals, de minimis, due
 * date) and the XML it downloads, all checked against the hand calculation below. A CSV with a
 * wrong unit on line 3 is refused with that line named and nothing imported; the exporter's
 * users never see the importer's supplier files.
 * Run with `npm run build && npx vitest run --config vitest.e2e.config.ts e2e/cbam-importer`.
 */
import { readFile } from 'node:fs/promises';
import { Decimal } from 'decimal.js';
import { XMLParser } from 'fast-xml-parser';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DESKTOP, E2eApp, PHONE, shot, text } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents from the wire, which the assertions check
type J = any;

const EXPORTER = 'exporter@demo.greentrade.local';
const IMPORTER = 'importer@demo.greentrade.local';
const FORMAT = 'greentrade.cbam.communication/1';

/**
 * The year of our shipments: 2027, not the page's default 2026, so that shipments the demo seeds
 * for the importer in 2026 do not enter the sums below (and so that the year field is used).
 */
const YEAR = 2027;
/** Two hot-rolled flat products of the demo steel works' hot strip mill (CN 7208). */
const CN_A = '72082500';
const CN_B = '72081000';

const app = new E2eApp('cbam-importer');
const dec = (v: unknown) => new Decimal(String(v));
/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A page signed in as a demo user (the page's context keeps the session for page.request too). */
async function signedIn(email: string, options = DESKTOP): Promise<Page> {
  const page = await app.newPage(options);
  await app.signIn(page, DEMO_PASSWORD, email);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

/** The first object, at the top or one level down, that is a communication file. */
function communicationIn(body: J): J {
  if (body?.format === FORMAT) return body;
  for (const v of Object.values(body ?? {})) if ((v as J)?.format === FORMAT) return v;
  return null;
}

/** A supplier file as the exporter's API hands it out: issued for the demo installation, then fetched. */
async function issueDemoFile(page: Page): Promise<J> {
  const listed = await page.request.get(`${app.base}/api/v1/cbam/installations`);
  expect(listed.status()).toBe(200);
  const installations = ((await listed.json()) as J).installations as J[];
  const demo = installations.find((i) => /Demo Steel Works/.test(i.name)) ?? installations[0];
  expect(demo, 'the demo installation').toBeTruthy();
  const issued = await page.request.post(`${app.base}/api/v1/cbam/installations/${demo.id}/communication`, {
    headers: { origin: app.base },
  });
  expect(issued.status(), await issued.text()).toBeLessThan(300);
  const issuedBody = (await issued.json()) as J;
  const id = communicationIn(issuedBody)?.id ?? issuedBody.id ?? issuedBody.communication?.id;
  expect(id).toBeTruthy();
  const fetched = await page.request.get(`${app.base}/api/v1/cbam/communications/${id}`);
  expect(fetched.status()).toBe(200);
  const file = communicationIn(await fetched.json());
  expect(file?.format).toBe(FORMAT);
  return file;
}

/** The good of a CN code in the file's results (the importer uses the first one listed). */
function see(file: J, cn: string): { direct: Decimal; indirect: Decimal } {
  const good = (file.results.goods as J[]).find((g) => g.cn === cn);
  expect(good, `the supplier file lists ${cn}`).toBeTruthy();
  return { direct: dec(good.seeDirect), indirect: dec(good.seeIndirect) };
}

let file: J;
let fileId = '';

describe.skipIf(!process.env['GREENTRADE_E2E'])('the CBAM importer in the browser', () => {
  beforeAll(async () => {
    await app.start();
    const exporter = await signedIn(EXPORTER);
    file = await issueDemoFile(exporter);
    await exporter.context().close();
  });
  afterAll(() => app.stop());

  it('uploads a signed supplier file and lists it with its key, goods and SEE', async () => {
    const page = await signedIn(IMPORTER);
    await page.goto(`${app.base}/cbam/suppliers`);
    await page.getByTestId('supplier-upload-card').waitFor();
    await page.getByTestId('supplier-upload').setInputFiles({
      name: 'demo-steel-works.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(file, null, 2)),
    });
    const result = page.getByTestId('supplier-result');
    await result.waitFor();
    expect(await text(result)).toContain(file.data.installation.name);
    expect(await text(result)).toMatch(/imported as version \d+/);
    fileId = (await result.getAttribute('data-file-id')) ?? '';
    expect(fileId).toMatch(/^[0-9a-f-]{36}$/);

    const row = page.locator(`[data-testid="supplier-file"][data-file-id="${fileId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('signature-badge').getAttribute('data-signed')).toBe('true');
    // The key thumbprint is RFC 7638's of the public key in the file's proof, computed here.
    const thumbprint = await calculateJwkThumbprint(file.proof.publicKey as JWK, 'sha256');
    expect(await text(row.getByTestId('key-thumbprint'))).toContain(thumbprint);
    // The good's direct SEE as the file gives it, and whether it rests on a default as the file
    // says (the demo works buys ferro-manganese without data, so the Commission default enters).
    const good = row.locator(`[data-testid="supplier-good"][data-cn="${CN_A}"]`);
    const shown = await good.locator('td[data-value]').first().getAttribute('data-value');
    expect(dec(shown).eq(see(file, CN_A).direct)).toBe(true);
    const fileGood = (file.results.goods as J[]).find((g) => g.cn === CN_A);
    expect(['actual', 'default']).toContain(fileGood.source);
    expect(await good.getByTestId('source-badge').getAttribute('data-source')).toBe(fileGood.source);
    await shot(page, 'cbam-suppliers');
    expect(app.pageErrors.get(page)).toEqual([]);
    await page.context().close();
  });

  it('imports shipments and shows the declaration, its totals and its XML as calculated by hand', async () => {
    expect(fileId, 'the supplier file of the first test').not.toBe('');
    // The demo installation's name has a comma ("Demo Steel Works, Tangshan"): quoted in the CSV.
    const installation = field(file.data.installation.name as string);
    const a = see(file, CN_A);
    const b = see(file, CN_B);
    /*
     * The hand calculation (t CO2e = net mass in t × SEE in t CO2e/t; iron and steel count direct
     * emissions only from 2026, Regulation (EU) 2023/956 Art. 7(1) and Annex II):
     * - E2E-A1 CN_A 120 t + E2E-A2 CN_A 3000 kg = 3 t, from the supplier: 123 t × SEE_A direct;
     * - E2E-B1 CN_B 80 t from the supplier: 80 t × SEE_B direct;
     * - E2E-D1 CN_A 10 t from India, no supplier file: the Commission's default for India, 7208,
     *   4.28 t CO2e/t direct (Implementing Regulation (EU) 2025/2621, Annex), with the 2027
     *   mark-up of 20%: 4.28 × 1.2 = 5.136 t/t; 10 t × 5.136 = 51.36 t.
     * Net mass 120 + 3 + 80 + 10 = 213 t, over the 50 t de-minimis threshold (Regulation (EU)
     * 2025/2083): a declaration is due on 30 September of the next year, 2028-09-30.
     */
    const lineA = dec(123).times(a.direct);
    const lineB = dec(80).times(b.direct);
    const lineD = dec('51.36');
    expect(dec('4.28').times('1.2').times(10).eq(lineD)).toBe(true);
    const total = lineA.plus(lineB).plus(lineD);
    const csv = [
      'reference,importDate,cn,countryOfOrigin,netMass,unit,installation',
      `E2E-A1,${YEAR}-02-14,${CN_A},CN,120,t,${installation}`,
      `E2E-A2,${YEAR}-04-02,${CN_A},CN,3000,kg,${installation}`,
      `E2E-B1,${YEAR}-06-30,${CN_B},CN,80,t,${installation}`,
      `E2E-D1,${YEAR}-09-15,${CN_A},IN,10,t,`,
      '',
    ].join('\n');

    const page = await signedIn(IMPORTER);
    await page.goto(`${app.base}/cbam/declaration`);
    expect(await page.getByTestId('declaration-year').inputValue()).toBe('2026');
    await page.getByTestId('declaration-year').fill(String(YEAR));
    await page.getByTestId('shipments-upload').setInputFiles({
      name: 'shipments.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.getByTestId('shipments-result').waitFor();
    expect(await text(page.getByTestId('shipments-result'))).toContain('4 shipments imported');

    // Each shipment linked to the supplier's file, or to the default value.
    const shipment = (ref: string) => page.locator(`[data-testid="shipment"][data-reference="${ref}"]`);
    await shipment('E2E-D1').waitFor();
    for (const ref of ['E2E-A1', 'E2E-A2', 'E2E-B1']) {
      expect(await shipment(ref).getAttribute('data-source')).toBe('supplier');
      expect(await shipment(ref).getByTestId('shipment-linked').getAttribute('data-file-id')).toBe(fileId);
    }
    expect(await shipment('E2E-D1').getAttribute('data-source')).toBe('default');
    expect(await shipment('E2E-D1').getByTestId('source-badge').getAttribute('data-source')).toBe('default');

    // The declaration: per CN code and country, and its totals.
    const line = (cn: string, country: string) =>
      page.locator(`[data-testid="declaration-line"][data-cn="${cn}"][data-country="${country}"]`);
    await line(CN_A, 'CN').waitFor();
    const value = async (l: ReturnType<typeof line>) =>
      dec(await l.getByTestId('line-total').getAttribute('data-value'));
    expect((await value(line(CN_A, 'CN'))).eq(lineA)).toBe(true);
    expect((await value(line(CN_B, 'CN'))).eq(lineB)).toBe(true);
    expect((await value(line(CN_A, 'IN'))).eq(lineD)).toBe(true);
    expect(dec(await page.getByTestId('total-total').getAttribute('data-value')).eq(total)).toBe(true);
    expect(dec(await page.getByTestId('total-indirect').getAttribute('data-value')).eq(0)).toBe(true);
    expect(dec(await page.getByTestId('total-mass').getAttribute('data-value')).eq(213)).toBe(true);
    expect(await page.getByTestId('de-minimis').getAttribute('data-exempt')).toBe('false');
    expect(await text(page.getByTestId('de-minimis-explanation'))).toContain('50');
    expect(await text(page.getByTestId('declaration-due'))).toBe(`${YEAR + 1}-09-30`);
    await shot(page, 'cbam-declaration');

    // The XML download carries the same totals.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('declaration-xml').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`cbam-declaration-${YEAR}.xml`);
    const xml = await readFile((await download.path())!, 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml) as J;
    const root = doc.CBAMDeclaration;
    expect(root.ReportingPeriod.Year).toBe(String(YEAR));
    expect(dec(root.Totals.EmbeddedEmissions.Total).eq(total)).toBe(true);
    expect(dec(root.Totals.NetMass['#text'] ?? root.Totals.NetMass).eq(213)).toBe(true);
    expect(app.pageErrors.get(page)).toEqual([]);
    await page.context().close();
  });

  it('refuses a shipments CSV with a wrong unit on line 3, naming the line, and imports nothing', async () => {
    const page = await signedIn(IMPORTER);
    const before = await page.request.get(`${app.base}/api/v1/cbam/shipments?year=${YEAR}`);
    const countBefore = ((await before.json()) as J).items.length as number;
    // Line 1 is the header; line 3 gives a volume where a mass belongs.
    const csv = [
      'reference,importDate,cn,countryOfOrigin,netMass,unit,installation',
      `E2E-BAD-1,${YEAR}-03-01,${CN_A},CN,5,t,`,
      `E2E-BAD-2,${YEAR}-03-02,${CN_A},CN,5,m3,`,
      `E2E-BAD-3,${YEAR}-03-03,${CN_A},CN,5,t,`,
      '',
    ].join('\n');
    await page.goto(`${app.base}/cbam/declaration`);
    await page.getByTestId('declaration-year').fill(String(YEAR));
    await page.getByTestId('shipments-upload').setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    const alert = page.getByTestId('shipments-upload-card').getByTestId('error-alert');
    await alert.waitFor();
    expect(await text(alert)).toContain('line 3');
    expect(await text(alert)).toContain('lines.3.unit');
    expect(await text(alert)).not.toContain('line 2');
    await shot(page, 'cbam-shipments-refused');

    // Nothing imported: neither the good line before the bad one nor the one after.
    const after = await page.request.get(`${app.base}/api/v1/cbam/shipments?year=${YEAR}`);
    const items = ((await after.json()) as J).items as J[];
    expect(items.length).toBe(countBefore);
    expect(items.some((s) => String(s.reference).startsWith('E2E-BAD'))).toBe(false);
    await page.getByTestId('shipments').waitFor();
    expect(await text(page.getByTestId('shipments'))).not.toContain('E2E-BAD');
    expect(app.pageErrors.get(page)).toEqual([]);
    await page.context().close();
  });

  it("does not show the importer's supplier files to another organisation's user", async () => {
    expect(fileId).not.toBe('');
    const page = await signedIn(EXPORTER);
    const listed = await page.request.get(`${app.base}/api/v1/cbam/supplier-files`);
    if (listed.status() === 200) {
      const items = ((await listed.json()) as J).items as J[];
      expect(items.map((i) => i.id)).not.toContain(fileId);
    } else {
      expect(listed.status()).toBeGreaterThanOrEqual(400);
    }
    expect((await page.request.get(`${app.base}/api/v1/cbam/supplier-files/${fileId}`)).status()).toBe(404);
    const named = await page.request.get(`${app.base}/api/v1/cbam/supplier-files?org=demo-importer`);
    expect([403, 404]).toContain(named.status());

    // And in the browser: the page answers, without the file.
    await page.goto(`${app.base}/cbam/suppliers`);
    await page.getByTestId('supplier-upload-card').waitFor();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('supplier-files').count()) +
          (await page.getByTestId('supplier-files-empty').count()) +
          (await page.getByTestId('error-alert').count()),
      )
      .toBeGreaterThan(0);
    expect(await page.locator(`[data-file-id="${fileId}"]`).count()).toBe(0);
    expect(app.pageErrors.get(page)).toEqual([]);
    await page.context().close();
  });

  it('is usable at phone width, in Chinese', async () => {
    const page = await signedIn(IMPORTER, { ...PHONE, locale: 'zh-CN' });
    await page.goto(`${app.base}/cbam/declaration`);
    await page.getByTestId('declaration-year').fill(String(YEAR));
    await page.getByTestId('declaration-lines').waitFor();
    expect(await text(page.locator('h1'))).toContain('货运批次与申报');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'cbam-declaration-phone');

    await page.goto(`${app.base}/cbam/suppliers`);
    await page.getByTestId('supplier-files').waitFor();
    expect(await text(page.locator('h1'))).toContain('供应商文件');
    const overflow2 = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow2).toBeLessThanOrEqual(1);
    await shot(page, 'cbam-suppliers-phone');
    expect(app.pageErrors.get(page)).toEqual([]);
    await page.context().close();
  });
});
