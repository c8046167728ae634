import type { RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

/** The demo exporter's rooftop PV plant in Jiangsu: its certificates, and some cancelled for its own use. */
export const DEMO_DEVICE = {
  name: '常州屋顶光伏电站 Changzhou rooftop PV',
  energySource: 'solar',
  capacityMW: '5',
  country: 'CN',
  gridZone: 'CN-East 华东电网 (Jiangsu)',
  commissioned: '2024-06-30',
  latitude: '31.8107',
  longitude: '119.9741',
} as const;

/** GEC for January to March 2026 (MWh; a 5 MW plant makes at most 3,720 MWh in a 31-day month). */
export const DEMO_GEC_MONTHS = [
  { periodStart: '2026-01-01T00:00:00+08:00', periodEnd: '2026-02-01T00:00:00+08:00', quantity: '412' },
  { periodStart: '2026-02-01T00:00:00+08:00', periodEnd: '2026-03-01T00:00:00+08:00', quantity: '455' },
  { periodStart: '2026-03-01T00:00:00+08:00', periodEnd: '2026-04-01T00:00:00+08:00', quantity: '538' },
] as const;

export const DEMO_CANCELLED_MWH = '120';

export async function seedCertificateDemo(services: RegistryServices, orgs: RegistryDemoOrgs): Promise<void> {
  const svc = services.certificates;
  const device = await svc.registerDevice({ ...DEMO_DEVICE, org: orgs.exporter }, 'system');
  await svc.decideDevice(
    device.id,
    { approve: true, reason: 'metering and grid connection checked' },
    'system',
  );
  const blocks = [];
  for (const m of DEMO_GEC_MONTHS)
    blocks.push((await svc.issue({ scheme: 'GEC', device: device.id, ...m }, 'system')).block);
  // Part of January cancelled for the exporter's own 2026 consumption: a footprint can claim it.
  await svc.cancel(
    {
      block: blocks[0]!.id,
      quantity: DEMO_CANCELLED_MWH,
      consumptionStart: '2026-01-01',
      consumptionEnd: '2026-12-31',
      purpose: 'Scope 2 market-based, product footprint',
      location: 'Changzhou, Jiangsu, CN',
    },
    'system',
  );
  // One hour of production as an EnergyTag granular certificate (Wh): 3.6 MWh of the 5 MWh possible.
  await svc.issue(
    {
      scheme: 'EnergyTag',
      device: device.id,
      periodStart: '2026-06-15T04:00:00Z',
      periodEnd: '2026-06-15T05:00:00Z',
      quantity: '3600000',
    },
    'system',
  );
}
