import { describe, expect, it } from 'vitest';
import { compare, haversineKm, periodsOverlap, trigramSimilarity, trigrams } from './similarity.js';

describe('screening similarity', () => {
  it('cuts words into pg_trgm trigrams', () => {
    // "cat" → "  c", " ca", "cat", "at " (pg_trgm's show_trgm('cat') gives the same four)
    expect([...trigrams('Cat')].sort()).toEqual(['  c', ' ca', 'at ', 'cat']);
  });

  it('scores shared over union of trigrams', () => {
    // "cat": {"  c"," ca","cat","at "}; "cap": {"  c"," ca","cap","ap "}: 2 shared, 6 in the union.
    expect(trigramSimilarity('cat', 'cap')).toBeCloseTo(2 / 6, 10);
    expect(trigramSimilarity('Qinghai Solar', 'qinghai  solar!')).toBe(1);
    expect(trigramSimilarity('', 'x')).toBe(0);
  });

  it('measures great-circle distance', () => {
    // One degree of latitude is 2π × 6371.0088 / 360 = 111.195 km.
    expect(haversineKm(36, 100, 37, 100)).toBeCloseTo(111.195, 2);
    expect(haversineKm(36.5, 101.5, 36.5, 101.5)).toBe(0);
  });

  it('overlaps inclusive periods', () => {
    expect(
      periodsOverlap({ starts: '2020-01-01', ends: '2020-12-31' }, { starts: '2020-12-31', ends: null }),
    ).toBe(true);
    expect(
      periodsOverlap(
        { starts: '2020-01-01', ends: '2020-12-30' },
        { starts: '2020-12-31', ends: '2021-01-01' },
      ),
    ).toBe(false);
  });

  const base = {
    name: 'Qinghai Golmud 50 MW Solar Farm',
    country: 'CN',
    sector: 'energy',
    periods: [{ starts: '2022-01-01', ends: '2028-12-31' }],
    latitude: 36.4,
    longitude: 94.9,
  };

  it('flags a similar name and a near site, not another sector', () => {
    const twin = { ...base, name: 'Golmud 50MW Solar Farm Qinghai', latitude: 36.41, longitude: 94.9 };
    const m = compare(base, twin);
    expect(m).not.toBeNull();
    expect(m!.reasons.some((r) => r.startsWith('similar name'))).toBe(true);
    // 0.01° of latitude = 1.112 km: within 2 km.
    expect(m!.distanceKm).toBeCloseTo(1.112, 2);
    expect(compare(base, { ...twin, sector: 'waste' })).toBeNull();
    expect(compare(base, { ...twin, country: 'IN' })).toBeNull();
    expect(compare(base, { ...twin, periods: [{ starts: '2010-01-01', ends: '2015-12-31' }] })).toBeNull();
    expect(compare(base, { ...base, name: 'Xinjiang wind park', latitude: 44, longitude: 87 })).toBeNull();
  });
});
