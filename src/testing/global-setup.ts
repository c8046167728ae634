import { openDb } from '../db/index.js';
import { createLogger } from '../kernel/log.js';
import { wire } from '../platform.js';
import { testLedger } from './db.js';

/** On a server run: migrate and seed the run's template database once; test files copy it. */
export default async function setup(): Promise<void> {
  const url = process.env['GREENTRADE_TEST_DATABASE_URL'];
  if (!url) return;
  const db = await openDb({ databaseUrl: url, maxConnections: 1 });
  try {
    await wire(db, true, createLogger('silent'), testLedger());
  } finally {
    await db.close(); // a template must have no open connection when it is copied
  }
}
