// Writes docs/openapi.json from the running code (the same zod schemas that validate requests);
// with --check, fails when the committed document differs, so the document and the web's types cannot drift.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../src/db/index.js';
import { createLogger } from '../src/kernel/log.js';
import { packageRoot } from '../src/kernel/paths.js';
import { wire } from '../src/platform.js';
import { API_INFO, buildApp } from '../src/server/app.js';

const db = await openDb({});
const platform = await wire(db, false);
const app = buildApp(platform, createLogger('silent'), { webDir: '/nonexistent' });
const doc = JSON.stringify(app.getOpenAPI31Document(API_INFO), null, 2) + '\n';
await platform.close();

const file = join(packageRoot(), 'docs', 'openapi.json');
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    /* missing counts as stale */
  }
  if (committed !== doc) {
    console.error(`${file} is stale: run npm run openapi and commit it`);
    process.exit(1);
  }
  console.log('docs/openapi.json is current');
} else {
  mkdirSync(join(packageRoot(), 'docs'), { recursive: true });
  writeFileSync(file, doc);
  console.log(`wrote ${file}`);
}
