import type { Factor } from '../factors/index.js';

/** A factor written by hand for tests: kg CO2e per unit, nothing split unless given. */
export function testFactor(key: string, value: string, unit: string, over: Partial<Factor> = {}): Factor {
  return {
    id: `test-${key}`,
    release: 'test',
    releaseVersion: '1',
    key,
    name: key,
    activity: key,
    unit,
    value,
    region: 'CN',
    year: 2022,
    gwpSet: 'AR6',
    split: { fossil: null, biogenic: null, biogenicRemoval: null, luc: null, aircraft: null },
    gases: { co2: null, ch4: null, n2o: null, otherGhg: null },
    source: 'hand-written test factor',
    licence: 'CC0-1.0',
    quality: {
      technological: null,
      temporal: null,
      geographical: null,
      completeness: null,
      reliability: null,
    },
    tags: [],
    ...over,
  } as Factor;
}
