import type { CbamDemoOrgs } from '../context.js';
import type { InstallationDataInput } from '../model.js';
import type { CbamServices } from '../services.js';

/**
 * A Chinese integrated steel works on the BF-BOF route for 2026: blast furnace (pig iron) → basic
 * oxygen furnace (crude steel) → hot strip mill (hot-rolled flat products, CN 7208), with
 * ferro-manganese bought without data (so the Commission default enters) and grid electricity.
 * The quantities are an illustrative plant of about 2 Mt a year, with IPCC 2006 default NCVs and
 * emission factors (coke 28.2 GJ/t, 107 t CO2/TJ; bituminous coal 25.8 GJ/t, 94.6 t CO2/TJ;
 * natural gas 48 GJ/t, 56.1 t CO2/TJ; limestone 0.44 t CO2/t):
 * - blast furnace: 4 160 160 t CO2 over 2 000 000 t of hot metal, about 2.08 t CO2/t;
 * - BOF: 2 000 000 t of hot metal, 15 000 t of ferro-manganese, 107 184 t CO2 of its own, over
 *   2 200 000 t of crude steel: about 1.95 t CO2e/t;
 * - hot strip mill: 2 150 000 t of slabs and 121 176 t CO2 of reheating over 2 100 000 t: about 2.05.
 */
export const DEMO_INSTALLATION: InstallationDataInput = {
  installation: {
    name: 'Demo Steel Works, Tangshan',
    operator: 'Demo Iron & Steel Co., Ltd. 示范钢铁有限公司',
    country: 'CN',
    city: 'Tangshan',
    address: '1 Gangtie Road, Fengrun District, Tangshan, Hebei',
    unlocode: 'CNTGS',
    latitude: 39.63,
    longitude: 118.18,
    contactEmail: 'cbam@steel.demo.greentrade.local',
  },
  reportingPeriod: { start: '2026-01-01', end: '2026-12-31' },
  sourceStreams: [
    // 900 000 t × 28.2 GJ/t = 25 380 TJ × 107 = 2 715 660 t CO2.
    {
      id: 'coke',
      name: 'Coke (blast furnace)',
      method: 'combustion',
      activityData: '900000',
      ncv: '28.2',
      emissionFactor: '107',
    },
    // 350 000 t × 25.8 GJ/t = 9 030 TJ × 94.6 = 854 238 t CO2.
    {
      id: 'pci-coal',
      name: 'Pulverised coal injection',
      method: 'combustion',
      activityData: '350000',
      ncv: '25.8',
      emissionFactor: '94.6',
    },
    // 130 000 t × 28.2 GJ/t = 3 666 TJ × 107 = 392 262 t CO2.
    {
      id: 'coke-breeze',
      name: 'Coke breeze (sinter plant)',
      method: 'combustion',
      activityData: '130000',
      ncv: '28.2',
      emissionFactor: '107',
    },
    // 450 000 t × 0.44 = 198 000 t CO2.
    {
      id: 'limestone',
      name: 'Limestone flux',
      method: 'process',
      activityData: '450000',
      emissionFactor: '0.44',
    },
    // 75 000 t × 48 GJ/t = 3 600 TJ × 56.1 = 201 960 t CO2 (40% BOF, 60% reheating furnaces).
    {
      id: 'natural-gas',
      name: 'Natural gas',
      method: 'combustion',
      activityData: '75000',
      ncv: '48',
      emissionFactor: '56.1',
    },
    // 60 000 t × 0.44 = 26 400 t CO2.
    {
      id: 'bof-flux',
      name: 'Limestone (BOF flux)',
      method: 'process',
      activityData: '60000',
      emissionFactor: '0.44',
    },
  ],
  energyFlows: [
    {
      process: 'blast-furnace',
      kind: 'electricity',
      direction: 'consumed',
      quantity: '200000',
      electricitySource: 'grid',
    },
    {
      process: 'bof',
      kind: 'electricity',
      direction: 'consumed',
      quantity: '150000',
      electricitySource: 'grid',
    },
    {
      process: 'hot-strip-mill',
      kind: 'electricity',
      direction: 'consumed',
      quantity: '210000',
      electricitySource: 'grid',
    },
  ],
  processes: [
    {
      id: 'blast-furnace',
      name: 'Sinter plant and blast furnace',
      goodsCategory: 'pig_iron',
      route: 'blast_furnace',
      cnCodes: ['72011011'],
      production: '2000000',
      sourceStreams: [
        { id: 'coke', share: '1' },
        { id: 'pci-coal', share: '1' },
        { id: 'coke-breeze', share: '1' },
        { id: 'limestone', share: '1' },
      ],
    },
    {
      id: 'bof',
      name: 'Basic oxygen furnace and continuous casting',
      goodsCategory: 'crude_steel',
      route: 'bof',
      cnCodes: ['72071210'],
      production: '2200000',
      sourceStreams: [
        { id: 'natural-gas', share: '0.4' },
        { id: 'bof-flux', share: '1' },
      ],
      precursors: [
        { from: 'process:blast-furnace', mass: '2000000' },
        { from: 'purchased:femn', mass: '15000' },
      ],
    },
    {
      id: 'hot-strip-mill',
      name: 'Hot strip mill',
      goodsCategory: 'iron_steel_products',
      cnCodes: ['72081000', '72082500', '72083900'],
      production: '2100000',
      sourceStreams: [{ id: 'natural-gas', share: '0.6' }],
      precursors: [{ from: 'process:bof', mass: '2150000' }],
    },
  ],
  purchasedPrecursors: [
    {
      id: 'femn',
      name: 'High-carbon ferro-manganese',
      cn: '72021120',
      country: 'CN',
      installation: 'unknown supplier',
    },
  ],
  carbonPricePaid: [
    // The Chinese national ETS covers steel from 2025 (free allocation close to the emissions).
    {
      goodsCategory: 'iron_steel_products',
      instrument: 'China national ETS',
      price: '90',
      currency: 'CNY',
      coveredShare: '0.05',
    },
  ],
};

export async function seedInstallationDemo(services: CbamServices, orgs: CbamDemoOrgs): Promise<void> {
  const existing = await services.installations.list('system', orgs.exporter);
  if (existing.some((i) => i.name === DEMO_INSTALLATION.installation.name)) return;
  await services.installations.save('system', orgs.exporter, DEMO_INSTALLATION);
}
