import { serve as serveNode, type ServerType } from '@hono/node-server';
import type { Config } from '../kernel/config.js';
import type { Logger } from '../kernel/log.js';
import { openPlatform, type Platform } from '../platform.js';
import { buildApp } from './app.js';

export interface Running {
  port: number;
  platform: Platform;
  stop(): Promise<void>;
}

export async function serve(config: Config, log: Logger): Promise<Running> {
  const platform = await openPlatform(config, log);
  const app = buildApp(platform, log);
  const stopCheckpoints = platform.ledger.startCheckpointing(config.checkpointSeconds * 1000, (e) =>
    log.error({ err: e }, 'signing a ledger checkpoint failed'),
  );
  // Transfers to peer registries left pending (peer down, or this server stopped between two steps).
  const stopReconciler = platform.registry.interop.startReconciler((e) =>
    log.error({ err: e }, 'reconciling exports to peer registries failed'),
  );
  const server: ServerType = await new Promise((resolve) => {
    const s = serveNode(
      { fetch: app.fetch, port: config.port, hostname: process.env['HOST'] ?? '0.0.0.0' },
      () => resolve(s),
    );
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info(
    { port, database: platform.db.kind, dataDir: config.databaseUrl ? undefined : config.dataDir },
    'listening',
  );
  if (platform.demo) {
    const d = platform.demo;
    const lines = [
      '',
      `GreenTrade is running: http://localhost:${port}/  (API reference: http://localhost:${port}/api/v1/docs)`,
      'Demo data was created. Sign in with any of these, password: ' + d.password,
      ...d.users.map((u) => `  ${u.email.padEnd(36)} ${u.roles}`),
      `API client (OAuth2 client credentials): client_id=${d.client.id} client_secret=${d.client.secret}`,
      'These demo credentials are public: do not expose this instance. GREENTRADE_DEMO=0 starts empty.',
      '',
    ];
    process.stderr.write(lines.join('\n') + '\n');
  } else {
    process.stderr.write(`GreenTrade is running: http://localhost:${port}/\n`);
  }
  return {
    port,
    platform,
    stop: async () => {
      stopCheckpoints();
      stopReconciler();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await platform.close();
    },
  };
}
