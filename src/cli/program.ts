/** The full `greentrade` command: every module's commands, with the platform behind them. */
import { Command } from 'commander';
import { migrate, openDb } from '../db/index.js';
import { output } from '../kernel/cli.js';
import { loadConfig } from '../kernel/config.js';
import { createLogger } from '../kernel/log.js';
import { classificationCli, classifyCommand } from '../modules/classification/index.js';
import { footprintCli } from '../modules/footprint/index.js';
import { identityCli } from '../modules/identity/index.js';
import { lcaCli } from '../modules/footprint/lca/index.js';
import { ledgerCli } from '../modules/ledger/index.js';
import { pactClientCommands, pactHostCommands } from '../modules/exchange/index.js';
import { registryCli } from '../modules/registry/index.js';
import { cbamCli } from '../modules/cbam/index.js';
import { MIGRATIONS, openPlatform } from '../platform.js';
import { serve } from '../server/serve.js';

const config = loadConfig();
// The CLI is the local operator: it opens the database itself, without demo seeding.
const open = () => openPlatform({ ...config, demo: false });

export const program = new Command('greentrade')
  .description(
    'GreenTrade: trusted green-trade data. Embedded PostgreSQL (PGlite) in GREENTRADE_DATA_DIR, or DATABASE_URL.',
  )
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

program
  .command('serve')
  .description('Start the web app and the API on one port')
  .option('--port <port>', 'port (default PORT or 8080)', (v) => Number(v))
  .action(async (o: { port?: number }) => {
    const log = createLogger(config.logLevel);
    const running = await serve({ ...config, ...(o.port !== undefined ? { port: o.port } : {}) }, log);
    const stop = async (signal: string) => {
      log.info({ signal }, 'stopping');
      await running.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

const db = program.command('db').description('Database');
db.command('migrate')
  .description('Apply pending migrations')
  .option('--json', 'JSON output')
  .action(async (_o: unknown, cmd: Command) => {
    const handle = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrate(handle, MIGRATIONS);
      output(cmd, { applied }, () => (applied.length ? `applied: ${applied.join(', ')}` : 'up to date'));
    } finally {
      await handle.close();
    }
  });

program.addCommand(classifyCommand(open));
program.addCommand(classificationCli(open));
for (const c of identityCli(open)) program.addCommand(c);
program.addCommand(ledgerCli(open));
program.addCommand(lcaCli());
program.addCommand(footprintCli(open));
const pact = program
  .command('pact')
  .description('PACT footprint exchange: publish to customers (host), pull from suppliers (client)');
for (const c of [...pactHostCommands(open), ...pactClientCommands(open)]) pact.addCommand(c);
program.addCommand(registryCli(open));
program.addCommand(cbamCli(open));
