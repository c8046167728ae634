import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { emberIntensities } from '../../../../scripts/build-grid-factors.js';
import type { Principal } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import { dataFile } from '../../../kernel/paths.js';
import { openTestPlatform } from '../../../testing/db.js';
import { identityAdmin } from '../../identity/index.js';
import { FACTOR_CSV_COLUMNS } from './model.js';
import { loadFactorData, readManifest } from './reference.js';
import type { FactorService } from './service.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let svc: FactorService;
let acmeAdmin: Principal;
let acmeMember: Principal;
let rival: Principal;

const person = (id: string, orgId: string, role: Principal['memberships'][number]['role']): Principal => ({
  kind: 'user',
  id,
  name: `user ${id.slice(-1)}`,
  memberships: [{ orgId, role }],
});
const HEADER = FACTOR_CSV_COLUMNS.join(',');
const row = (v: Partial<Record<(typeof FACTOR_CSV_COLUMNS)[number], string>>) =>
  FACTOR_CSV_COLUMNS.map((c) => {
    const x = v[c] ?? '';
    return /[",]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
  }).join(',');
const steel = {
  key: 'acme/steel-coil',
  name: 'Hot-rolled steel coil, Acme mill',
  activity: 'material.steel.hot-rolled',
  unit: 't',
  value: '1850',
  region: 'CN',
  year: '2023',
};

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  svc = platform.footprint.factors;
  const acme = await identityAdmin.ensureOrg(platform.db, 'acme', 'Acme Steel');
  const other = await identityAdmin.ensureOrg(platform.db, 'rival', 'Rival Metals');
  acmeAdmin = person('00000000-0000-4000-8000-000000000001', acme, 'admin');
  acmeMember = person('00000000-0000-4000-8000-000000000002', acme, 'member');
  rival = person('00000000-0000-4000-8000-000000000003', other, 'admin');
});
afterAll(async () => platform?.dispose());

describe('shipped releases', () => {
  it('loads every release of the manifest, published and public, with its row count', async () => {
    const releases = await svc.releases(null);
    const bySlug = new Map(releases.map((r) => [r.slug, r]));
    for (const m of readManifest()) {
      const r = bySlug.get(m.slug);
      expect(r?.status).toBe('published');
      expect(r?.owner).toBeNull();
      // Rows in the file (lines minus the header) = factors in the release.
      const lines = readFileSync(dataFile('factors', m.file), 'utf8').trim().split('\n').length - 1;
      expect(r?.factorCount).toBe(lines);
    }
    expect(bySlug.get('ipcc-2006')?.factorCount).toBe(30);
    expect(bySlug.get('cn-mee-grid')?.factorCount).toBe(3);
  });

  it('loads again without change (idempotent by checksum)', async () => {
    expect(await loadFactorData(platform.db)).toEqual([]);
  });

  it('IPCC natural gas per GJ is 56.1 kg CO2 + 0.001 kg CH4 × 28 + 0.0001 kg N2O × 265', async () => {
    const [f] = await svc.getFactors(null, [{ key: 'natural-gas.gj', release: 'ipcc-2006' }], 'factors');
    expect(f!.value).toBe(new Decimal('56.1').plus(0.028).plus(0.0265).toFixed()); // 56.1545
    expect(f!.gases).toEqual({ co2: '56.1', ch4: '0.001', n2o: '0.0001', otherGhg: null });
    expect(f!.gwpSet).toBe('AR5');
    // Per tonne through the default NCV, 48.0 GJ/t: 48 × 56.1545.
    const [t] = await svc.getFactors(null, [{ key: 'natural-gas.t' }], 'factors');
    expect(t!.value).toBe('2695.416');
    expect(t!.unit).toBe('t');
  });

  it('other IPCC CO2 factors match Table 1.4 and wood counts its CO2 as biogenic', async () => {
    const fs = await svc.getFactors(
      null,
      [
        { key: 'gas-diesel-oil.gj' },
        { key: 'motor-gasoline.gj' },
        { key: 'other-bituminous-coal.t' },
        { key: 'wood-wood-waste.gj' },
      ],
      'f',
    );
    expect(fs.map((f) => f.gases.co2)).toEqual([
      '74.1',
      '69.3',
      new Decimal('94.6').times('25.8').toFixed(),
      '112',
    ]);
    const wood = fs[3]!;
    expect(wood.split.biogenic).toBe('112');
    // Only CH4 and N2O (0.03 × 28 + 0.004 × 265 = 1.9) count outside biogenic CO2.
    expect(wood.split.fossil).toBe('1.9');
  });

  it('China grid 2022 is 0.5366 kg CO2/kWh (MEE), and bestFactor picks the year', async () => {
    const q = { activity: 'electricity.grid', region: 'CN' };
    expect((await svc.bestFactor(null, { ...q, year: 2022 }))?.value).toBe('0.5366');
    expect((await svc.bestFactor(null, { ...q, year: 2021 }))?.value).toBe('0.5568');
    // Ember has China 2024: the latest year not after 2025.
    const latest = await svc.bestFactor(null, { ...q, year: 2025 });
    expect([latest?.year, latest?.release]).toEqual([2024, 'ember-grid']);
    // Nothing before 2021 for China: the earliest after.
    expect((await svc.bestFactor(null, { ...q, year: 2015 }))?.year).toBe(2021);
    expect(await svc.bestFactor(null, { activity: 'electricity.grid', region: 'ZZ' })).toBeNull();
    // A factor per kWh is not one per tonne.
    expect(await svc.bestFactor(null, { ...q, unit: 't' })).toBeNull();
    expect((await svc.bestFactor(null, { ...q, year: 2022, unit: 'MWh' }))?.unit).toBe('kWh');
  });

  it('Ember figures equal the @tgwf/co2 package data (g/kWh ÷ 1000)', async () => {
    const { data } = await emberIntensities();
    for (const [iso3, iso2] of [
      ['DEU', 'DE'],
      ['USA', 'US'],
      ['IND', 'IN'],
      ['FRA', 'FR'],
      ['WORLD', 'GLO'],
    ] as const) {
      const r = await svc.search(null, { release: 'ember-grid', region: iso2 });
      expect(r.total).toBe(1);
      expect(r.results[0]!.value).toBe(new Decimal(String(data[iso3])).dividedBy(1000).toFixed());
    }
  });
});

describe('search', () => {
  it('finds by words with prefix match, ranked, and by activity, region, year, unit', async () => {
    const gas = await svc.search(null, { q: 'natural gas' });
    expect(gas.results[0]!.activity).toBe('fuel.natural-gas');
    expect((await svc.search(null, { q: 'natur' })).results.map((f) => f.key)).toContain('natural-gas.gj');
    const fuels = await svc.search(null, { activity: 'fuel.', unit: 'GJ' });
    expect(fuels.total).toBe(15);
    expect(fuels.results.every((f) => f.unit === 'GJ' && f.activity.startsWith('fuel.'))).toBe(true);
    const cn = await svc.search(null, { activity: 'electricity.grid', region: 'cn', year: 2023 });
    expect(cn.results.map((f) => f.release).sort()).toEqual(['cn-mee-grid']);
    const page = await svc.search(null, { activity: 'electricity.grid', limit: 5, offset: 5 });
    expect(page.results).toHaveLength(5);
    expect(page.total).toBeGreaterThan(200);
    expect((await svc.search(null, { q: '天然气' })).results[0]?.key).toMatch(/^natural-gas/);
  });
});

describe('import, publish, visibility', () => {
  let draftId = '';

  it('imports a CSV as a draft of the organisation, seen by its members only', async () => {
    const csv = [
      HEADER,
      row(steel),
      row({ ...steel, key: 'acme/steel-coil-2022', year: '2022', value: '1900' }),
    ].join('\n');
    const r = await svc.importRelease(acmeMember, {
      org: 'acme',
      slug: 'acme-mill',
      version: '1',
      name: 'Acme mill data',
      format: 'csv',
      content: csv,
    });
    draftId = r.id;
    expect([r.status, r.factorCount, r.owner?.slug]).toEqual(['draft', 2, 'acme']);
    expect((await svc.search(acmeAdmin, { release: 'acme-mill' })).total).toBe(2);
    // Another organisation and anonymous callers do not see it at all.
    expect((await refusal(svc.release(rival, r.id))).status).toBe(404);
    expect((await refusal(svc.release(null, r.id))).status).toBe(404);
    expect((await svc.search(rival, { q: 'steel coil' })).total).toBe(0);
    expect((await svc.releases(rival)).map((x) => x.slug)).not.toContain('acme-mill');
    // A draft is no basis for a footprint.
    expect((await refusal(svc.getFactors(acmeAdmin, [{ key: 'acme/steel-coil' }], 'inputs'))).field).toBe(
      'inputs.0',
    );
  });

  it('a member may not publish; an admin of another organisation may not either; the admin does, into the ledger', async () => {
    expect((await refusal(svc.publish(acmeMember, draftId))).status).toBe(403);
    expect((await refusal(svc.publish(rival, draftId))).status).toBe(404);
    const r = await svc.publish(acmeAdmin, draftId);
    expect(r.status).toBe('published');
    expect(r.ledger?.index).toBeGreaterThanOrEqual(0);
    const [entry] = await platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ledger_entry WHERE idx = $1',
      [r.ledger!.index],
    );
    expect(entry?.n).toBe(1);
    expect((await refusal(svc.publish(acmeAdmin, draftId))).status).toBe(409);
    // Published but private: still invisible to others.
    expect((await svc.search(rival, { q: 'steel coil' })).total).toBe(0);
  });

  it('the database refuses to change a published factor or release', async () => {
    await expect(
      platform.db.query("UPDATE emission_factor SET value = 1 WHERE key = 'natural-gas.gj'"),
    ).rejects.toThrow(/published/);
    await expect(
      platform.db.query(`DELETE FROM emission_factor WHERE release_id = $1`, [draftId]),
    ).rejects.toThrow(/published/);
    await expect(
      platform.db.query(`UPDATE factor_release SET status = 'draft', published_at = NULL WHERE id = $1`, [
        draftId,
      ]),
    ).rejects.toThrow(/published/);
    await expect(
      platform.db.query(
        `INSERT INTO emission_factor (release_id, key, name, activity, unit, value, region, year)
         VALUES ($1, 'extra', 'x', 'x', 'kg', 1, 'CN', 2022)`,
        [draftId],
      ),
    ).rejects.toThrow(/published/);
    const [f] = await svc.getFactors(null, [{ key: 'natural-gas.gj' }], 'f');
    expect(f!.value).toBe('56.1545');
  });

  it('getFactors keeps the order of the refs, prefers the viewer’s own release, and names a missing key', async () => {
    const fs = await svc.getFactors(
      acmeAdmin,
      [
        { key: 'lignite.t' },
        { key: 'acme/steel-coil', release: 'acme-mill' },
        { key: 'cn-national-average.2022' },
      ],
      'inputs',
    );
    expect(fs.map((f) => f.key)).toEqual(['lignite.t', 'acme/steel-coil', 'cn-national-average.2022']);
    expect(fs[1]!.value).toBe('1850');
    const exact = await svc.getFactors(acmeAdmin, [{ key: 'acme/steel-coil', release: 'acme-mill@1' }], 'x');
    expect(exact[0]!.releaseVersion).toBe('1');
    const e = await refusal(
      svc.getFactors(rival, [{ key: 'lignite.t' }, { key: 'acme/steel-coil' }], 'inputs'),
    );
    expect([e.status, e.field]).toEqual([400, 'inputs.1']);
    expect(e.message).toContain('acme/steel-coil');
    const wrongRelease = await refusal(
      svc.getFactors(null, [{ key: 'lignite.t', release: 'ember-grid' }], 'in'),
    );
    expect(wrongRelease.field).toBe('in.0');
  });

  it('an org’s own factor wins over the public one in bestFactor', async () => {
    const json = JSON.stringify([
      {
        key: 'acme/grid',
        name: 'Acme site grid mix',
        activity: 'electricity.grid',
        unit: 'kWh',
        value: '0.6',
        region: 'CN',
        year: 2019,
      },
    ]);
    await svc.importRelease(acmeAdmin, {
      org: 'acme',
      slug: 'acme-grid',
      version: '1',
      name: 'g',
      format: 'json',
      content: json,
      publish: true,
    });
    expect(
      (await svc.bestFactor(acmeAdmin, { activity: 'electricity.grid', region: 'CN', year: 2022 }))?.value,
    ).toBe('0.6');
    expect(
      (await svc.bestFactor(rival, { activity: 'electricity.grid', region: 'CN', year: 2022 }))?.value,
    ).toBe('0.5366');
  });

  it('a bad import writes nothing and names the line; slugs and versions are not reused', async () => {
    const before = await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM emission_factor');
    const csv = [HEADER, row({ ...steel, key: 'ok' }), row({ ...steel, key: 'bad', unit: 'furlong' })].join(
      '\n',
    );
    const e = await refusal(
      svc.importRelease(acmeAdmin, {
        org: 'acme',
        slug: 'acme-bad',
        version: '1',
        name: 'b',
        format: 'csv',
        content: csv,
      }),
    );
    expect([e.status, e.field]).toEqual([400, 'content.line.3.unit']);
    const after = await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM emission_factor');
    expect(after[0]!.n).toBe(before[0]!.n);
    expect((await svc.releases('system')).map((r) => r.slug)).not.toContain('acme-bad');
    const good = [HEADER, row(steel)].join('\n');
    const again = await refusal(
      svc.importRelease(acmeAdmin, {
        org: 'acme',
        slug: 'acme-mill',
        version: '1',
        name: 'x',
        format: 'csv',
        content: good,
      }),
    );
    expect(again.status).toBe(409);
    const taken = await refusal(
      svc.importRelease(rival, {
        org: 'rival',
        slug: 'acme-mill',
        version: '2',
        name: 'x',
        format: 'csv',
        content: good,
      }),
    );
    expect([taken.status, taken.field]).toEqual([409, 'slug']);
    const notMine = await refusal(
      svc.importRelease(rival, {
        org: 'acme',
        slug: 'x-1',
        version: '1',
        name: 'x',
        format: 'csv',
        content: good,
      }),
    );
    expect(notMine.status).toBe(403);
    const notAdmin = await refusal(
      svc.importRelease(acmeMember, {
        org: 'acme',
        slug: 'x-2',
        version: '1',
        name: 'x',
        format: 'csv',
        content: good,
        publish: true,
      }),
    );
    expect([notAdmin.status, notAdmin.field]).toEqual([403, 'publish']);
  });
});
