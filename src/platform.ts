import { migrate, openDb, type Db, type Migration } from './db/index.js';
import type { Config } from './kernel/config.js';
import type { Logger } from './kernel/log.js';
import {
  ClassificationService,
  classificationMigrations,
  listVersionReferences,
  loadReferenceData,
} from './modules/classification/index.js';
import {
  footprintMigrations,
  footprintServices,
  loadFactorData,
  seedDemoProducts,
  type FootprintServices,
} from './modules/footprint/index.js';
import { IdentityService, identityAdmin, identityMigrations } from './modules/identity/index.js';
import {
  PactClientService,
  PactHostService,
  exchangeMigrations,
  seedDemoPact,
} from './modules/exchange/index.js';
import {
  LedgerService,
  ephemeralSigner,
  ledgerMigrations,
  loadSigner,
  trustedKeysFrom,
  type LedgerOptions,
} from './modules/ledger/index.js';
import {
  registryMigrations,
  registryServices,
  seedDemoRegistry,
  type RegistryServices,
} from './modules/registry/index.js';
import { cbamMigrations, cbamServices, seedDemoCbam, type CbamServices } from './modules/cbam/index.js';
import { demoCbamOrgIds, demoOrgIds, seedDemo, seedDemoLedger, type DemoCredentials } from './demo.js';

/** Every module's migrations, in dependency order. */
export const MIGRATIONS: readonly Migration[] = [
  ...identityMigrations,
  ...ledgerMigrations,
  ...classificationMigrations,
  ...footprintMigrations,
  ...exchangeMigrations,
  ...registryMigrations,
  ...cbamMigrations,
];

export interface Platform {
  db: Db;
  identity: IdentityService;
  classification: ClassificationService;
  ledger: LedgerService;
  footprint: FootprintServices;
  /** PACT: the host (what we publish) and the client (what we pull from suppliers). */
  exchange: { host: PactHostService; client: PactClientService };
  /** Carbon credits, Article 6, energy-attribute certificates, transfers between registries. */
  registry: RegistryServices;
  /** EU CBAM: scope, installations' embedded emissions, communication files, declarations, cost. */
  cbam: CbamServices;
  /** Set when this start seeded the demo data. */
  demo: DemoCredentials | null;
  close(): Promise<void>;
}

/** Opens the database, migrates, loads reference data, seeds the demo if asked, and wires the services. */
export async function openPlatform(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'demo' | 'ledgerOrigin'> &
    Partial<Pick<Config, 'publicUrl' | 'registryCode'>>,
  log?: Logger,
): Promise<Platform> {
  // The key first: a bad GREENTRADE_LEDGER_KEY stops the start before the database is opened.
  const ledger: LedgerOptions = {
    signer: loadSigner(config.dataDir),
    origin: config.ledgerOrigin,
    trustedKeys: trustedKeysFrom(),
  };
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await wire(db, config.demo, log, ledger, {
      dataDir: config.dataDir,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      ...(config.registryCode ? { registryCode: config.registryCode } : {}),
    });
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** Wires the services over an open database; without ledger options the ledger signs with a throw-away key (tests). */
export async function wire(
  db: Db,
  demo: boolean,
  log?: Logger,
  ledger: LedgerOptions = { signer: ephemeralSigner(), origin: 'greentrade.test/ledger' },
  /** The data directory (PACT client's key file) and where others reach this server. */
  where: { dataDir?: string; publicUrl?: string; registryCode?: string } = {},
): Promise<Platform> {
  const applied = await migrate(db, MIGRATIONS);
  if (applied.length > 0) log?.info({ applied }, 'migrations applied');
  const loaded = await loadReferenceData(db, identityAdmin.ensureOrg);
  loaded.push(...(await loadFactorData(db)));
  if (loaded.length > 0) log?.info({ loaded }, 'reference data loaded');
  const demoCredentials = demo ? await seedDemo(db) : null;
  const ledgerService = new LedgerService(db, ledger);
  ledgerService.registerReferences(listVersionReferences);
  if (demoCredentials) await seedDemoLedger(ledgerService);
  const footprint = footprintServices(db, ledgerService);
  if (demoCredentials) await seedDemoProducts(footprint.products);
  const identity = await IdentityService.open(db);
  const client = new PactClientService(db, {
    products: footprint.products,
    ...(where.dataDir ? { dataDir: where.dataDir } : {}),
    ...(where.publicUrl ? { publicPactUrl: `${where.publicUrl}/pact` } : {}),
  });
  const exchange = {
    host: new PactHostService(
      db,
      { identity, products: footprint.products },
      {
        // Events our host receives for the client side: a supplier published, or answered a request of ours.
        onPublishedEvent: async (org, event) => void (await client.onPublishedEvent(org, event)),
        onRequestAnswered: async (org, event) => void (await client.onRequestAnswered(org, event)),
        // Answers to a requester's host go with the answering organisation's own connection to it.
        callbackCredentials: (origin, ownerOrgId) => client.credentialsForOrigin(origin, ownerOrgId),
        onBackgroundError: (err) => log?.error({ err }, 'PACT host background work failed'),
      },
    ),
    client,
  };
  if (demoCredentials) await seedDemoPact(db, exchange.host);
  const registry = registryServices({
    db,
    ledger: ledgerService,
    identity,
    registryCode: where.registryCode ?? 'GTR',
    publicUrl: where.publicUrl ?? 'http://localhost:8080',
    ...(where.dataDir ? { dataDir: where.dataDir } : {}),
  });
  footprint.products.setInstrumentClaimer((tx, c) => registry.certificates.claimForFootprint(tx, c));
  if (demoCredentials) await seedDemoRegistry(registry, await demoOrgIds(db));
  const classification = new ClassificationService(db, ledgerService);
  const cbam = cbamServices({
    db,
    ledger: ledgerService,
    identity,
    classification,
    ...(where.dataDir ? { dataDir: where.dataDir } : {}),
  });
  if (demoCredentials) await seedDemoCbam(cbam, await demoCbamOrgIds(db));
  return {
    db,
    identity,
    classification,
    ledger: ledgerService,
    footprint,
    exchange,
    registry,
    cbam,
    demo: demoCredentials,
    close: async () => {
      await exchange.host.settle(); // answers to PACT requests still being sent
      await db.close();
    },
  };
}
