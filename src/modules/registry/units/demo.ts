import type { RegistryDemoOrgs } from '../context.js';
import type { RegistryServices } from '../services.js';

/**
 * Demo accounts: the exporter's holding and retirement accounts, the verifier's holding account,
 * and the registry operator's national holding, buffer and cancellation accounts. The projects
 * part then issues units into the exporter's holding account.
 */
export async function seedUnitDemo(services: RegistryServices, orgs: RegistryDemoOrgs): Promise<void> {
  const units = services.units;
  await units.db.transaction(async (tx) => {
    await units.ensureAccount(tx, {
      orgId: orgs.operator,
      kind: 'holding',
      name: '国家持有账户 National holding account',
      national: true,
    });
    await units.ensureAccount(tx, {
      orgId: orgs.operator,
      kind: 'buffer',
      name: '国家缓冲账户 National buffer account',
      national: true,
    });
    await units.ensureAccount(tx, {
      orgId: orgs.operator,
      kind: 'cancellation',
      name: '国家注销账户 National cancellation account',
      national: true,
    });
    await units.ensureAccount(tx, {
      orgId: orgs.exporter,
      kind: 'holding',
      name: '示范出口商 持有账户 Demo exporter holding',
    });
    await units.ensureAccount(tx, {
      orgId: orgs.exporter,
      kind: 'retirement',
      name: '示范出口商 退役账户 Demo exporter retirement',
    });
    await units.ensureAccount(tx, {
      orgId: orgs.verifier,
      kind: 'holding',
      name: '核查机构 持有账户 Verifier holding',
    });
  });
}
