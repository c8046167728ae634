import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../kernel/errors.js';
import { packageRoot } from '../../kernel/paths.js';
import { cpcOf, toPactV2, toPactV3, type RecordedFootprint } from './mapping.js';
import { ProductFootprintV2, ProductFootprintV3 } from './model.js';
import { check } from './spec/jsonschema.js';

/**
 * The mapping checked field by field against documents written by hand from the PACT
 * definitions (v3: values per declaredUnitAmount × unit, biogenic emissions inside
 * pcfExcludingBiogenicUptake, uptake negative; v2.3: values per ONE declared unit), and the
 * documents checked against the specification's own schema (spec/, from WBCSD's conformance
 * service), not only against our zod transcription.
 */

const spec = (v: string) =>
  (
    JSON.parse(
      readFileSync(join(packageRoot(), 'src/modules/exchange/spec', `pact-v${v}.schemas.json`), 'utf8'),
    ) as { schemas: Record<string, Record<string, unknown>> }
  ).schemas;
const V3 = spec('3.0');
const V2 = spec('2.3');

const rated = (rating: string | null, coveragePercent = '80') => ({ rating, coveragePercent });

/** A hand-made result: 1 t of coil, DE 2022, with every split non-zero. */
function recorded(over: { unit?: string; result?: Record<string, unknown> } = {}): RecordedFootprint {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    productId: '22222222-2222-4222-8222-222222222222',
    model: {
      name: 'Coil',
      description: 'Hot-rolled coil, 2 mm',
      declaredUnit: { unit: over.unit ?? 't' },
      year: 2022,
      region: 'DE',
      boundary: 'cradle-to-gate',
    },
    ledger: { index: 7 },
    result: {
      product: {
        name: 'Coil',
        declaredUnit: { amount: '1', unit: over.unit ?? 't' },
        boundary: 'cradle-to-gate',
        region: 'DE',
        year: 2022,
      },
      perUnit: `1 ${over.unit ?? 't'}`,
      method: {
        standards: ['ISO 14067:2018', 'GHG Protocol Product Standard', 'PACT Technical Specification'],
        headline: 'market-based',
        notes: [],
      },
      total: '1850.5',
      pcfExcludingBiogenic: '1850.5',
      pcfIncludingBiogenic: '1856.75', // 1850.5 + 10.25 − 4
      totalLocationBased: '1900',
      fossil: '1837.25',
      biogenicEmissions: '10.25',
      biogenicRemovals: '4',
      luc: '2.5',
      aircraft: '0.75',
      byStage: [
        { stage: 'raw-materials', emissions: '1480.4', sharePercent: '80' },
        { stage: 'production-energy', emissions: '370.1', sharePercent: '20' },
        { stage: 'use', emissions: '0', sharePercent: '0' },
      ],
      byInput: [],
      byGas: [],
      electricity: { locationBased: '0', marketBased: '0', lines: [] },
      primaryDataShare: '40.25',
      dataQuality: {
        technological: rated('1.5'),
        temporal: rated('1.25'),
        geographical: rated('2'),
        completeness: rated('2'),
        reliability: rated('1'),
      },
      exemptions: { items: [{ description: 'Refractories', sharePercent: '1.5' }], totalPercent: '1.5' },
      excluded: [],
      characterisation: { gwpSets: ['AR6'], mixed: false, processGwpSet: 'AR6' },
      warnings: [],
      factorsUsed: [
        {
          id: 'a',
          release: 'ecoinvent-like',
          releaseVersion: '3.10',
          key: 'k1',
          name: 'x',
          activity: 'x',
          value: '1',
          unit: 'kg',
          region: 'DE',
          year: 2022,
          gwpSet: 'AR6',
          source: 's',
          licence: 'l',
          usedBy: [],
        },
        {
          id: 'b',
          release: 'ecoinvent-like',
          releaseVersion: '3.10',
          key: 'k2',
          name: 'y',
          activity: 'y',
          value: '2',
          unit: 'kg',
          region: 'DE',
          year: 2022,
          gwpSet: 'AR6',
          source: 's',
          licence: 'l',
          usedBy: [],
        },
      ],
      ...over.result,
    } as unknown as RecordedFootprint['result'],
  };
}

const pub = {
  id: '33333333-3333-4333-8333-333333333333',
  created: new Date('2026-03-01T08:00:00Z'),
  precedingPfIds: ['44444444-4444-4444-8444-444444444444'],
  org: { id: '55555555-5555-4555-8555-555555555555', name: 'Demo Steel GmbH' },
};

describe('GreenTrade footprint → PACT v3', () => {
  const doc = toPactV3(recorded(), pub, { classifications: ['urn:pact:productclassification:hs:720839'] });

  it('maps every field as written by hand', () => {
    expect(doc).toEqual({
      id: pub.id,
      specVersion: '3.0.0',
      precedingPfIds: ['44444444-4444-4444-8444-444444444444'],
      created: '2026-03-01T08:00:00Z',
      status: 'Active',
      validityPeriodStart: '2023-01-01T00:00:00Z', // PACT: valid 3 years after the reference period
      validityPeriodEnd: '2026-01-01T00:00:00Z',
      companyName: 'Demo Steel GmbH',
      companyIds: ['urn:uuid:55555555-5555-4555-8555-555555555555'],
      productDescription: 'Hot-rolled coil, 2 mm',
      productIds: ['urn:uuid:22222222-2222-4222-8222-222222222222'],
      productClassifications: ['urn:pact:productclassification:hs:720839'],
      productNameCompany: 'Coil',
      comment:
        'GreenTrade footprint 11111111-1111-4111-8111-111111111111, anchored in the GreenTrade ledger at entry 7. Fossil carbon content not assessed (reported as 0). Packaging not modelled separately.',
      pcf: {
        declaredUnitOfMeasurement: 'kilogram',
        declaredUnitAmount: '1000', // 1 t
        productMassPerDeclaredUnit: '1000',
        referencePeriodStart: '2022-01-01T00:00:00Z',
        referencePeriodEnd: '2023-01-01T00:00:00Z',
        geographyCountry: 'DE',
        boundaryProcessesDescription:
          'Cradle-to-gate. Stages (share of the PCF): raw-materials 80%, production-energy 20%. Electricity market-based (GHG Protocol Scope 2).',
        pcfExcludingBiogenicUptake: '1860.75', // 1850.5 + biogenic 10.25
        pcfIncludingBiogenicUptake: '1856.75', // − uptake 4
        fossilCarbonContent: '0',
        fossilGhgEmissions: '1837.25',
        landUseChangeGhgEmissions: '2.5',
        biogenicCO2Uptake: '-4',
        aircraftGhgEmissions: '0.75',
        packagingEmissionsIncluded: false,
        ipccCharacterizationFactors: ['AR6'],
        crossSectoralStandards: ['ISO14067', 'GHGP-Product'],
        exemptedEmissionsPercent: '1.5',
        exemptedEmissionsDescription: 'Refractories (1.5%)',
        secondaryEmissionFactorSources: [{ name: 'ecoinvent-like', version: '3.10' }],
        primaryDataShare: '40.25',
        dqi: { technologicalDQR: '1.5', geographicalDQR: '2', temporalDQR: '1.25' },
      },
    });
  });

  it('is valid against the specification schema and our zod schema', () => {
    expect(check(V3, V3['ProductFootprint']!, doc)).toEqual([]);
    expect(ProductFootprintV3.safeParse(doc).success).toBe(true);
  });

  it('writes every decimal as a JSON string, never a number', () => {
    const numbers: string[] = [];
    const walk = (v: unknown, p: string) => {
      if (typeof v === 'number') numbers.push(p);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${p}.${k}`);
    };
    walk(doc, '$');
    expect(numbers).toEqual([]);
  });

  it('per-piece needs the mass; energy units weigh 0; unknown units are refused naming the field', () => {
    const e = (() => {
      try {
        toPactV3(recorded({ unit: 'item' }), pub, {});
      } catch (err) {
        return err as AppError;
      }
      throw new Error('expected an error');
    })();
    expect(e.field).toBe('productMassPerDeclaredUnit');
    const kwh = toPactV3(recorded({ unit: 'MWh' }), pub, {});
    expect(kwh.pcf).toMatchObject({
      declaredUnitOfMeasurement: 'kilowatt hour',
      declaredUnitAmount: '1000',
      productMassPerDeclaredUnit: '0',
    });
    expect(() => toPactV3(recorded({ unit: 'barrel' }), pub, {})).toThrow(/declaredUnit/);
  });

  it('an assurance statement becomes verification; partial DQRs are left out', () => {
    const d = toPactV3(
      recorded({
        result: {
          dataQuality: {
            technological: rated(null),
            temporal: rated('1'),
            geographical: rated('1'),
            completeness: rated(null),
            reliability: rated(null),
          },
        },
      }),
      pub,
      {
        verification: {
          providerName: 'TÜV Demo',
          completedAt: '2026-02-01T00:00:00Z',
          coverage: 'product level',
        },
      },
    );
    expect(d.pcf.dqi).toBeUndefined();
    expect(d.pcf.verification).toEqual({
      providerName: 'TÜV Demo',
      completedAt: '2026-02-01T00:00:00Z',
      coverage: 'product level',
    });
    expect(check(V3, V3['ProductFootprint']!, d)).toEqual([]);
  });
});

describe('GreenTrade footprint → PACT v2.3', () => {
  it('re-expresses per ONE declared unit: 1 t of coil is 1000 kilogram, values ÷ 1000', () => {
    const v3 = toPactV3(recorded(), pub, {});
    const v2 = toPactV2(v3, recorded(), cpcOf(undefined))!;
    expect(v2).toMatchObject({
      id: pub.id,
      specVersion: '2.3.0',
      version: 1,
      status: 'Active',
      productCategoryCpc: 'n/a',
      precedingPfIds: ['44444444-4444-4444-8444-444444444444'],
    });
    expect(v2.pcf).toEqual({
      declaredUnit: 'kilogram',
      unitaryProductAmount: '1000',
      productMassPerDeclaredUnit: '1000',
      pCfExcludingBiogenic: '1.8505', // 1850.5 / 1000 (v2.3 excludes biogenic CO2 emissions)
      pCfIncludingBiogenic: '1.85675',
      fossilGhgEmissions: '1.83725',
      fossilCarbonContent: '0',
      biogenicCarbonContent: '0',
      dLucGhgEmissions: '0.0025',
      otherBiogenicGhgEmissions: '0.01025',
      biogenicCarbonWithdrawal: '-0.004',
      aircraftGhgEmissions: '0.00075',
      packagingEmissionsIncluded: false,
      characterizationFactors: 'AR6',
      ipccCharacterizationFactorsSources: ['AR6'],
      crossSectoralStandardsUsed: ['ISO Standard 14067', 'GHG Protocol Product standard'],
      crossSectoralStandards: ['ISO14067', 'GHGP-Product'],
      boundaryProcessesDescription: v3.pcf.boundaryProcessesDescription,
      referencePeriodStart: '2022-01-01T00:00:00Z',
      referencePeriodEnd: '2023-01-01T00:00:00Z',
      geographyCountry: 'DE',
      secondaryEmissionFactorSources: [{ name: 'ecoinvent-like', version: '3.10' }],
      exemptedEmissionsPercent: 1.5, // v2.3 types these as JSON numbers
      exemptedEmissionsDescription: 'Refractories (1.5%)',
      primaryDataShare: 40.25,
      dqi: {
        coveragePercent: 80,
        technologicalDQR: 1.5,
        temporalDQR: 1.25,
        geographicalDQR: 2,
        completenessDQR: 2,
        reliabilityDQR: 1,
      },
    });
    expect(check(V2, V2['ProductFootprint']!, v2)).toEqual([]);
    expect(ProductFootprintV2.safeParse(v2).success).toBe(true);
  });

  it('v2.3 has no piece: a 28 kg module is 28 declared units of kilogram, values ÷ 28', () => {
    const r = recorded({
      unit: 'item',
      result: {
        pcfExcludingBiogenic: '322',
        pcfIncludingBiogenic: '322',
        fossil: '308',
        biogenicEmissions: '0',
        biogenicRemovals: '0',
        luc: '14',
        aircraft: '0',
      },
    });
    const v3 = toPactV3(r, pub, {
      productMassPerDeclaredUnit: '28',
      classifications: ['urn:pact:productclassification:un-cpc:46410'],
    });
    expect(v3.pcf).toMatchObject({
      declaredUnitOfMeasurement: 'piece',
      declaredUnitAmount: '1',
      productMassPerDeclaredUnit: '28',
      pcfExcludingBiogenicUptake: '322',
    });
    const v2 = toPactV2(v3, r, cpcOf(v3.productClassifications))!;
    expect(v2.productCategoryCpc).toBe('46410');
    expect(v2.pcf).toMatchObject({
      declaredUnit: 'kilogram',
      unitaryProductAmount: '28',
      pCfExcludingBiogenic: '11.5', // 322 / 28
      fossilGhgEmissions: '11', // 308 / 28
      dLucGhgEmissions: '0.5', // 14 / 28
    });
    expect(check(V2, V2['ProductFootprint']!, v2)).toEqual([]);
  });

  it('a per-hour footprint has no v2.3 form', () => {
    const r = recorded({ unit: 'h' });
    expect(toPactV2(toPactV3(r, pub, {}), r, 'n/a')).toBeNull();
  });
});

describe('the specification schema check itself', () => {
  it('refuses what the specification refuses (so that the checks above can fail)', () => {
    const doc = toPactV3(recorded(), pub, {}) as unknown as Record<string, unknown>;
    const bad = {
      ...doc,
      pcf: {
        ...(doc['pcf'] as object),
        pcfExcludingBiogenicUptake: undefined,
        declaredUnitOfMeasurement: 'ton',
      },
    };
    delete (bad.pcf as Record<string, unknown>)['pcfExcludingBiogenicUptake'];
    const errors = check(V3, V3['ProductFootprint']!, bad);
    expect(errors.some((e) => e.includes('pcfExcludingBiogenicUptake: required'))).toBe(true);
    expect(errors.some((e) => e.includes('declaredUnitOfMeasurement: not one of'))).toBe(true);
    expect(check(V3, V3['ProductFootprint']!, { ...doc, companyIds: ['acme'] })).toEqual([
      '$.companyIds[0]: does not match ^([uU][rR][nN]):',
    ]);
  });
});
