import { resolve } from 'node:path';

export interface Config {
  port: number;
  /** Set: a PostgreSQL server; unset: embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Seed the demo organisations, users and API client on first start. */
  demo: boolean;
  logLevel: string;
  /** The ledger's name in its signed checkpoints (a C2SP origin). */
  ledgerOrigin: string;
  /** A checkpoint is signed at least this often. */
  checkpointSeconds: number;
  /** Where others reach this server (PACT reply addresses): GREENTRADE_PUBLIC_URL, default http://localhost:PORT. */
  publicUrl: string;
  /** This registry's code in unit serials and between registries: GREENTRADE_REGISTRY_CODE, default GTR. */
  registryCode: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env['PORT'] ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be 0..65535, got ${env['PORT']}`);
  const databaseUrl = env['DATABASE_URL'] || undefined;
  const checkpointSeconds = Number(env['GREENTRADE_CHECKPOINT_SECONDS'] ?? 600);
  if (!Number.isFinite(checkpointSeconds) || checkpointSeconds < 1)
    throw new Error(
      `GREENTRADE_CHECKPOINT_SECONDS must be a number of seconds >= 1, got ${env['GREENTRADE_CHECKPOINT_SECONDS']}`,
    );
  if (/\s/.test(env['GREENTRADE_LEDGER_ORIGIN'] ?? ''))
    throw new Error('GREENTRADE_LEDGER_ORIGIN must not contain spaces');
  // Demo data by default only on the embedded database: a real server is someone's production.
  const demo = env['GREENTRADE_DEMO'] === undefined ? !databaseUrl : env['GREENTRADE_DEMO'] !== '0';
  const registryCode = env['GREENTRADE_REGISTRY_CODE'] ?? 'GTR';
  if (!/^[A-Z][A-Z0-9]{1,7}$/.test(registryCode))
    throw new Error(`GREENTRADE_REGISTRY_CODE must be 2 to 8 capital letters or digits, got ${registryCode}`);
  return {
    port,
    databaseUrl,
    dataDir: resolve(env['GREENTRADE_DATA_DIR'] ?? './.greentrade'),
    demo,
    logLevel: env['LOG_LEVEL'] ?? 'info',
    ledgerOrigin: env['GREENTRADE_LEDGER_ORIGIN'] ?? 'greentrade.local/ledger',
    checkpointSeconds,
    publicUrl: (env['GREENTRADE_PUBLIC_URL'] ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    registryCode,
  };
}
