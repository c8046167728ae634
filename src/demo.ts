import { createHash } from 'node:crypto';
import type { Db } from './db/index.js';
import { REFERENCE_ORG } from './modules/classification/index.js';
import { identityAdmin } from './modules/identity/index.js';
import type { LedgerService } from './modules/ledger/index.js';
import type { RegistryDemoOrgs } from './modules/registry/index.js';

/** Fixed, printed demo credentials: for a laptop trial only (GREENTRADE_DEMO=0 starts empty). */
export const DEMO_PASSWORD = 'greentrade-demo';
export const DEMO_USERS = {
  exporter: 'exporter@demo.greentrade.local',
  analyst: 'analyst@demo.greentrade.local',
  regulator: 'regulator@demo.greentrade.local',
  verifier: 'verifier@demo.greentrade.local',
  operator: 'operator@demo.greentrade.local',
  importer: 'importer@demo.greentrade.local',
} as const;
export const DEMO_CLIENT = { id: 'demo-exporter-api', secret: 'greentrade-demo-client-secret' } as const;

export interface DemoCredentials {
  users: { email: string; roles: string }[];
  password: string;
  client: { id: string; secret: string };
}

/** Seeds the demo organisations, users and API client once; returns null when already there. */
export async function seedDemo(db: Db): Promise<DemoCredentials | null> {
  return db.transaction(async (tx) => {
    if (await identityAdmin.userExists(tx, DEMO_USERS.exporter)) return null;
    const exporter = await identityAdmin.ensureOrg(
      tx,
      'demo',
      'Demo Solar Exporter Co. 示范光伏出口有限公司',
    );
    const authority = await identityAdmin.ensureOrg(
      tx,
      'demo-authority',
      'Demo Trade Authority 示范贸易主管部门',
    );
    const verifierOrg = await identityAdmin.ensureOrg(
      tx,
      'demo-verifier',
      'Demo Verification Body 示范核查机构',
    );
    const registryOrg = await identityAdmin.ensureOrg(
      tx,
      'demo-registry',
      'Demo National Carbon Registry 示范国家碳登记机构',
    );
    // The EU importer (CBAM declarant) the demo exporter's steel and aluminium go to.
    const importerOrg = await identityAdmin.ensureOrg(tx, 'demo-importer', 'Demo EU Importer GmbH');
    const reference = await identityAdmin.ensureOrg(tx, REFERENCE_ORG.slug, REFERENCE_ORG.name);
    const password = DEMO_PASSWORD;
    await identityAdmin.createUser(tx, {
      email: DEMO_USERS.exporter,
      name: 'Li Na (exporter)',
      password,
      orgId: exporter,
      roles: ['admin'],
    });
    await identityAdmin.createUser(tx, {
      email: DEMO_USERS.analyst,
      name: 'Wang Wei (analyst)',
      password,
      orgId: exporter,
      roles: ['member'],
    });
    await identityAdmin.createUser(tx, {
      email: DEMO_USERS.regulator,
      name: 'Zhang Min (trade authority)',
      password,
      orgId: authority,
      roles: ['regulator'],
    });
    // The demo authority maintains the shipped reference lists.
    await identityAdmin.grant(tx, DEMO_USERS.regulator, reference, 'regulator');
    await identityAdmin.createUser(tx, {
      email: DEMO_USERS.verifier,
      name: 'Chen Jie (verifier)',
      password,
      orgId: verifierOrg,
      roles: ['verifier'],
    });
    await identityAdmin.createUser(tx, {
      email: DEMO_USERS.operator,
      name: 'Zhao Lei (registry operator)',
      password,
      orgId: registryOrg,
      roles: ['registry_operator'],
    });
    await identityAdmin.createUser(tx, {
      email: DEMO_USERS.importer,
      name: 'Anna Müller (CBAM declarant)',
      password,
      orgId: importerOrg,
      roles: ['admin'],
    });
    await identityAdmin.createClient(tx, {
      clientId: DEMO_CLIENT.id,
      name: 'Demo exporter ERP',
      orgId: exporter,
      roles: ['member'],
      secret: DEMO_CLIENT.secret,
    });
    return {
      users: [
        { email: DEMO_USERS.exporter, roles: 'admin of Demo Solar Exporter' },
        { email: DEMO_USERS.analyst, roles: 'member of Demo Solar Exporter' },
        {
          email: DEMO_USERS.regulator,
          roles: 'regulator of Demo Trade Authority; maintains the reference lists',
        },
        { email: DEMO_USERS.verifier, roles: 'verifier of Demo Verification Body' },
        { email: DEMO_USERS.operator, roles: 'registry operator of Demo National Carbon Registry' },
        { email: DEMO_USERS.importer, roles: 'admin of Demo EU Importer (CBAM declarant)' },
      ],
      password,
      client: { ...DEMO_CLIENT },
    };
  });
}

/** A few public ledger entries, so that the ledger pages have something to show and prove. */
export async function seedDemoLedger(ledger: LedgerService): Promise<void> {
  if ((await ledger.size()) > 0) return;
  // The SHA-256 of a (fictitious) test report, anchored as a notarisation: entry 0.
  await ledger.notarize(
    createHash('sha256').update('GreenTrade demo: PV module test report 2026-001').digest('hex'),
    'system',
  );
  await ledger.db.transaction((tx) =>
    ledger.appendMany(tx, [
      {
        type: 'demo.shipment',
        subject: 'DEMO-2026-0001',
        body: { hsCode: '854143', quantity: { value: '1200', unit: 'piece' }, destination: 'DE' },
        public: true,
      },
      {
        type: 'demo.shipment',
        subject: 'DEMO-2026-0002',
        body: { hsCode: '850760', quantity: { value: '40', unit: 'piece' }, destination: 'FR' },
        public: true,
      },
    ]),
  );
  await ledger.checkpoint();
}

/** The demo organisations the CBAM demo data belongs to: the exporting installation's and the EU importer's. */
export async function demoCbamOrgIds(db: Db): Promise<{ exporter: string; importer: string }> {
  const rows = await db.query<{ id: string; slug: string }>(
    "SELECT id, slug FROM organisation WHERE slug IN ('demo', 'demo-importer')",
  );
  const id = (slug: string) => {
    const row = rows.find((r) => r.slug === slug);
    if (!row) throw new Error(`demo organisation ${slug} is missing`);
    return row.id;
  };
  return { exporter: id('demo'), importer: id('demo-importer') };
}

/** The demo organisations the registry's demo data belongs to. */
export async function demoOrgIds(db: Db): Promise<RegistryDemoOrgs> {
  const rows = await db.query<{ id: string; slug: string }>(
    "SELECT id, slug FROM organisation WHERE slug IN ('demo', 'demo-registry', 'demo-verifier', 'demo-authority')",
  );
  const id = (slug: string) => {
    const row = rows.find((r) => r.slug === slug);
    if (!row) throw new Error(`demo organisation ${slug} is missing`);
    return row.id;
  };
  return {
    exporter: id('demo'),
    operator: id('demo-registry'),
    verifier: id('demo-verifier'),
    regulator: id('demo-authority'),
  };
}
