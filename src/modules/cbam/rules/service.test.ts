import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { openTestPlatform } from '../../../testing/db.js';
import { loadCbamRules, readRuleFiles } from './reference.js';
import type { RulesService } from './service.js';

let platform: Awaited<ReturnType<typeof openTestPlatform>>;
let rules: RulesService;

beforeAll(async () => {
  platform = await openTestPlatform({ demo: false });
  rules = platform.cbam.rules;
});
afterAll(async () => platform?.dispose());

const badRequest = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
};

describe('scope by CN code (Annex I to Regulation (EU) 2023/956)', () => {
  it('puts hot-rolled flat steel 7208 51 20 under entry 7208, iron and steel, category iron_steel_products', async () => {
    const a = await rules.scope('7208 51 20');
    expect(a).toEqual({
      cn: '72085120',
      inScope: true,
      sector: 'iron_steel',
      reason: 'CN 7208 51 20 is under Annex I entry 7208 (iron and steel)',
      goodsCategory: 'iron_steel_products',
    });
  });

  it('excludes 3105 60 00 (P and K fertilisers) from heading 3105', async () => {
    const a = await rules.scope('3105.60.00');
    expect(a.inScope).toBe(false);
    expect(a.sector).toBeNull();
    expect(a.reason).toMatch(/^3105 60 00 is excluded from 3105 by Annex I/);
    // The rest of 3105 stays in: 3105 20 10 (NPK) is a mixed fertiliser.
    const npk = await rules.scope('31052010');
    expect(npk).toMatchObject({ inScope: true, sector: 'fertilisers', goodsCategory: 'mixed_fertilisers' });
  });

  it('knows electricity 2716 00 00, hydrogen 2804 10 00, clinker 2523 10 00 and urea 3102 10 10', async () => {
    expect(await rules.scope('27160000')).toMatchObject({
      inScope: true,
      sector: 'electricity',
      goodsCategory: 'electricity',
    });
    expect(await rules.scope('28041000')).toMatchObject({
      inScope: true,
      sector: 'hydrogen',
      goodsCategory: 'hydrogen',
    });
    expect(await rules.scope('25231000')).toMatchObject({
      inScope: true,
      sector: 'cement',
      goodsCategory: 'cement_clinker',
    });
    expect(await rules.scope('31021010')).toMatchObject({
      inScope: true,
      sector: 'fertilisers',
      goodsCategory: 'urea',
    });
    expect(await rules.scope('76011000')).toMatchObject({
      inScope: true,
      sector: 'aluminium',
      goodsCategory: 'unwrought_aluminium',
    });
  });

  it('answers not in scope for solar cells 8541 43 00', async () => {
    const a = await rules.scope('8541 43 00');
    expect(a).toEqual({
      cn: '85414300',
      inScope: false,
      sector: null,
      reason: 'CN 8541 43 00 is not in Annex I to Regulation (EU) 2023/956 (not a CBAM good)',
      goodsCategory: null,
    });
  });

  it('takes 4- and 6-digit prefixes', async () => {
    expect(await rules.scope('7208')).toMatchObject({
      cn: '7208',
      inScope: true,
      sector: 'iron_steel',
      goodsCategory: 'iron_steel_products',
    });
    expect(await rules.scope('7208.51')).toMatchObject({ cn: '720851', inScope: true, sector: 'iron_steel' });
    // 7202: only some ferro-alloys are CBAM goods (7202 11, 7202 19, 7202 41, 7202 49, 7202 60).
    const fe = await rules.scope('7202');
    expect(fe.inScope).toBe(true);
    expect(fe.reason).toContain('7202 11');
    expect(fe.reason).toContain('7202 60');
    // 3105 is in, bar 3105 60 00.
    const f = await rules.scope('3105');
    expect(f.inScope).toBe(true);
    expect(f.reason).toContain('except 3105 60 00');
    expect(await rules.scope('8541')).toMatchObject({ inScope: false, sector: null });
  });

  it('rejects an unknown code naming the field cn and the code', async () => {
    const e = await badRequest(rules.scope('9999 99 99'));
    expect(e.code).toBe('bad_request');
    expect(e.field).toBe('cn');
    expect(e.message).toContain('9999 99 99');
  });

  it('rejects malformed codes', async () => {
    for (const bad of ['72O8', '72085', '720851201', '', 'steel']) {
      const e = await badRequest(rules.scope(bad));
      expect(e.code).toBe('bad_request');
      expect(e.field).toBe('cn');
    }
  });

  it('checks many codes at once and names the bad ones by position', async () => {
    const all = await rules.scopeMany(['72085120', '31056000', '85414300']);
    expect(all.map((a) => a.inScope)).toEqual([true, false, false]);
    const e = await badRequest(rules.scopeMany(['72085120', '99999999', 'x']));
    expect(e.field).toBe('codes.1');
    expect(e.message).toContain('codes.2="x"');
  });
});

describe('the rules of a year (snapshot)', () => {
  it('counts indirect emissions only for cement and fertilisers from 2026', async () => {
    const y = await rules.snapshot(2026);
    expect(y.countsIndirect('cement')).toBe(true);
    expect(y.countsIndirect('fertilisers')).toBe(true);
    expect(y.countsIndirect('iron_steel')).toBe(false);
    expect(y.countsIndirect('aluminium')).toBe(false);
    expect(y.countsIndirect('hydrogen')).toBe(false);
    expect(y.countsIndirect('electricity')).toBe(false);
    // The transitional period reported both for all goods but electricity.
    expect((await rules.snapshot(2025)).countsIndirect('iron_steel')).toBe(true);
  });

  it('knows the aggregated goods categories of Implementing Regulation (EU) 2023/1773, Annex II, and their routes', async () => {
    const y = await rules.snapshot(2026);
    expect(y.category('crude_steel')).toEqual({ sector: 'iron_steel', routes: ['bof', 'eaf'] });
    expect(y.category('pig_iron')).toEqual({
      sector: 'iron_steel',
      routes: ['blast_furnace', 'smelting_reduction'],
    });
    expect(y.category('unwrought_aluminium')).toEqual({
      sector: 'aluminium',
      routes: ['primary', 'secondary'],
    });
    expect(y.category('ammonia')?.routes).toEqual(['steam_reforming', 'gasification']);
    expect(y.category('cement_clinker')?.sector).toBe('cement');
    expect(y.category('steel')).toBeNull();
    const all = y
      .categories()
      .map((c) => c.code)
      .sort();
    expect(all).toEqual(
      [
        'aluminous_cement',
        'aluminium_products',
        'ammonia',
        'calcined_clay',
        'cement',
        'cement_clinker',
        'crude_steel',
        'dri',
        'electricity',
        'fe_cr',
        'fe_mn',
        'fe_ni',
        'hydrogen',
        'iron_steel_products',
        'mixed_fertilisers',
        'nitric_acid',
        'pig_iron',
        'sintered_ore',
        'unwrought_aluminium',
        'urea',
      ].sort(),
    );
  });

  it('gives the free-allocation share (CBAM factor) of Directive 2003/87/EC Art. 10a(1a)', async () => {
    const published: [number, string][] = [
      [2026, '0.975'],
      [2027, '0.95'],
      [2028, '0.9'],
      [2029, '0.775'],
      [2030, '0.515'],
      [2031, '0.39'],
      [2032, '0.265'],
      [2033, '0.14'],
      [2034, '0'],
      [2040, '0'],
    ];
    for (const [year, share] of published) expect(await rules.freeAllocationShare(year)).toBe(share);
  });

  it('gives the de-minimis threshold of Regulation (EU) 2025/2083: 50 t, electricity and hydrogen aside', async () => {
    const d = await rules.deMinimis(2026);
    expect(d.thresholdTonnes).toBe('50');
    expect(d.excludedSectors.sort()).toEqual(['electricity', 'hydrogen']);
    expect(d.source).toContain('2025/2083');
    expect((await rules.deMinimis(2025)).thresholdTonnes).toBeNull();
  });

  it('marks default values up by 10% in 2026, 20% in 2027 and 30% from 2028 (fertilisers 1%)', async () => {
    const y26 = await rules.snapshot(2026);
    // Hot-rolled flat products 7208 from China: 3.19 t CO2e/t (Implementing Regulation (EU) 2025/2621).
    // 2026: 3.19 × 1.10 = 3.509; 2027: 3.19 × 1.20 = 3.828; 2029: 3.19 × 1.30 = 4.147.
    const cn = y26.defaultValue('CN', '7208 51 20')!;
    expect(cn).toMatchObject({
      baseDirect: '3.19',
      baseIndirect: '0',
      markup: '0.1',
      direct: '3.509',
      indirect: '0',
      total: '3.509',
    });
    expect((await rules.snapshot(2027)).defaultValue('CN', '72085120')).toMatchObject({
      markup: '0.2',
      direct: '3.828',
    });
    expect((await rules.snapshot(2029)).defaultValue('CN', '72085120')).toMatchObject({
      markup: '0.3',
      direct: '4.147',
    });
    // Urea 3102 10 19 from China: 2.70 direct, 0.14 indirect; × 1.01 = 2.727 and 0.1414, total 2.8684.
    expect(y26.defaultValue('CN', '31021019')).toMatchObject({
      markup: '0.01',
      direct: '2.727',
      indirect: '0.1414',
      total: '2.8684',
    });
    // No country row: the Commission's "other countries and territories" (7208: 4.05 × 1.1 = 4.455).
    expect(y26.defaultValue('BR', '72085120')).toMatchObject({
      country: 'OTHER',
      baseDirect: '4.05',
      direct: '4.455',
    });
    // India and Türkiye, 7208: 4.28 and 2.43.
    expect(y26.defaultValue('IN', '72085120')?.baseDirect).toBe('4.28');
    expect(y26.defaultValue('TR', '72085120')?.baseDirect).toBe('2.43');
    expect(y26.defaultValue('CN', '85414300')).toBeNull();
  });

  it('marks a base value of 1.0 up to 1.1 in 2026 and 1.3 in 2029 (rules as data: one CSV row)', async () => {
    const files = readRuleFiles();
    files.data.defaults.push({
      country: 'XK',
      cn: '7601',
      direct: '1.0',
      indirect: '0',
      from_year: 2026,
      to_year: null,
      status: 'provisional',
      source: 'test',
    });
    await loadCbamRules(platform.db, { data: files.data, hash: files.hash + '-test' });
    rules.reload();
    try {
      expect((await rules.snapshot(2026)).defaultValue('XK', '76011000')).toMatchObject({
        direct: '1.1',
        total: '1.1',
      });
      expect((await rules.snapshot(2029)).defaultValue('XK', '76011000')).toMatchObject({
        direct: '1.3',
        total: '1.3',
      });
    } finally {
      await loadCbamRules(platform.db);
      rules.reload();
    }
    expect((await rules.snapshot(2026)).defaultValue('XK', '76011000')?.country).toBe('OTHER');
  });

  it('gives grid factors (Ember), plausible ranges and benchmarks', async () => {
    const y = await rules.snapshot(2026);
    // data/factors/grid-ember.csv: China 2024, 557.5 g CO2e/kWh = 0.5575 t/MWh.
    expect(y.gridFactor('CN')).toMatchObject({ factor: '0.5575' });
    expect(y.gridFactor('IN')?.factor).toBe('0.70896');
    expect(y.gridFactor('XX')).toBeNull();
    expect(y.plausibleRange('crude_steel', 'eaf')).toMatchObject({ min: '0.05', max: '0.8' });
    expect(y.plausibleRange('crude_steel', 'unknown_route')).toMatchObject({ min: '0.05', max: '2.6' });
    expect(y.plausibleRange('nothing', null)).toBeNull();
    // EU ETS 2021-2025 (Implementing Regulation (EU) 2021/447): grey clinker 0.693, hot metal 1.288,
    // EAF carbon steel 0.215, ammonia 1.570, hydrogen 6.84.
    expect(await rules.benchmark('25231000', null, 2025)).toMatchObject({ value: '0.693' });
    expect(await rules.benchmark('7201 10 11', null, 2025)).toMatchObject({ value: '1.288' });
    expect(await rules.benchmark('72071111', 'eaf', 2025)).toMatchObject({ value: '0.215' });
    expect(await rules.benchmark('2814 10 00', null, 2025)).toMatchObject({ value: '1.57' });
    expect(await rules.benchmark('28041000', null, 2025)).toMatchObject({ value: '6.84' });
    // CBAM definitive period: primary aluminium 1.423, secondary 0.091.
    expect(await rules.benchmark('76011000', 'primary', 2026)).toMatchObject({ value: '1.423' });
    expect(await rules.benchmark('76012000', 'secondary', 2026)).toMatchObject({ value: '0.091' });
    expect(await rules.benchmark('85414300', null, 2026)).toBeNull();
  });

  it('loads the shipped rules once: a second load writes nothing', async () => {
    expect(await loadCbamRules(platform.db)).toEqual([]);
    const rows = await platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cbam_free_allocation',
    );
    expect(rows[0]?.n).toBe(9);
  });
});
