/**
 * What every end-to-end test file needs: the built server (dist/src/cli/main.js) started with the
 * demo data on a fresh data directory (or GREENTRADE_E2E_URL, a server already running), Debian's
 * Chromium, pages that record their errors, sign-in, screenshots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { TEST_LEDGER_KEY, TEST_LEDGER_ORIGIN } from '../src/testing/db.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_ENTRY = join(ROOT, 'dist', 'src', 'cli', 'main.js');
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const DEMO_EMAIL = 'exporter@demo.greentrade.local';
/** Maintains the shipped reference lists in the demo data. */
export const DEMO_MAINTAINER = 'regulator@demo.greentrade.local';
export const DEMO_PASSWORD = 'greentrade-demo';
/** Set to test a server that is already running (e.g. the Vite dev server) instead of starting one. */
const EXTERNAL = process.env['GREENTRADE_E2E_URL'];
/** Set to a folder to keep screenshots. */
const SHOTS = process.env['GREENTRADE_E2E_SCREENSHOTS'];
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, locale: 'en-US' };
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  locale: 'en-US',
  isMobile: true,
  hasTouch: true,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

export async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * On a PostgreSQL run, a database of the server's own, created empty now (the server migrates and
 * seeds it) and dropped afterwards: one test file's writes never meet another's assumptions.
 * Its name starts with the run's database name, so the run's clean-up drops it too.
 */
async function ownDatabase(label: string): Promise<string | undefined> {
  const run = process.env['DATABASE_URL'];
  if (!run) return undefined;
  const url = new URL(run);
  const name = `${url.pathname.slice(1)}_${label}_${randomBytes(3).toString('hex')}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
  await adminQuery(run, `CREATE DATABASE "${name}"`);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(dbUrl: string | undefined): Promise<void> {
  if (!dbUrl) return;
  const name = new URL(dbUrl).pathname.slice(1);
  await adminQuery(dbUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
}

async function adminQuery(anyDbUrl: string, sql: string): Promise<void> {
  const admin = new URL(anyDbUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export class E2eApp {
  base = '';
  private server: ChildProcess | undefined;
  private dataDir: string | undefined;
  private dbUrl: string | undefined;
  private browser: Browser | undefined;
  private readonly serverLog: string[] = [];
  /** Errors thrown in each page: a test expects none. */
  readonly pageErrors = new WeakMap<Page, string[]>();

  constructor(private readonly name: string) {}

  logTail(): string {
    return this.serverLog.slice(-60).join('');
  }

  private async waitForHealth(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.server?.exitCode !== null && this.server?.exitCode !== undefined)
        throw new Error(
          `the server exited with ${this.server.exitCode} before it was healthy:\n${this.logTail()}`,
        );
      try {
        const res = await fetch(url);
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the server was not healthy after ${timeoutMs} ms (${last}):\n${this.logTail()}`);
  }

  async start(): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
    if (EXTERNAL) {
      this.base = EXTERNAL.replace(/\/$/, '');
      await this.waitForHealth(`${this.base}/healthz`, 10_000);
    } else {
      if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm run build first`);
      if (!existsSync(join(ROOT, 'dist', 'web', 'index.html')))
        throw new Error('dist/web is missing: run npm run build:web first');
      this.dataDir = await mkdtemp(join(tmpdir(), `greentrade-e2e-${this.name}-`));
      const port = await freePort();
      this.base = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? this.dataDir,
        TMPDIR: tmpdir(),
        PORT: String(port),
        GREENTRADE_DATA_DIR: this.dataDir,
        GREENTRADE_DEMO: '1',
        // One signing key for every server of a run: on PostgreSQL they share one log, as a fleet does.
        GREENTRADE_LEDGER_KEY: TEST_LEDGER_KEY,
        GREENTRADE_LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
        LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
      };
      this.dbUrl = await ownDatabase(this.name);
      if (this.dbUrl) env['DATABASE_URL'] = this.dbUrl;
      this.server = spawn(process.execPath, [SERVER_ENTRY, 'serve'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.server.stdout?.on('data', (d: Buffer) => this.serverLog.push(d.toString()));
      this.server.stderr?.on('data', (d: Buffer) => this.serverLog.push(d.toString()));
      await this.waitForHealth(`${this.base}/healthz`, 150_000);
    }
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }

  async stop(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    const server = this.server;
    if (server && server.exitCode === null) {
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    await dropDatabase(this.dbUrl);
  }

  async newPage(options: BrowserContextOptions): Promise<Page> {
    if (!this.browser) throw new Error('no browser');
    const context = await this.browser.newContext(options);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    this.pageErrors.set(page, errors);
    page.on('pageerror', (e) => {
      errors.push(e.message);
      this.serverLog.push(`[browser pageerror] ${e.message}\n`);
    });
    return page;
  }

  async signIn(page: Page, password = DEMO_PASSWORD, email = DEMO_EMAIL): Promise<void> {
    await page.goto(`${this.base}/login`);
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
  }
}

/**
 * A built server as a plain process, without a browser (the PACT suites talk HTTP only). Its data
 * directory outlives stop() until dispose(), so that a CLI can open the embedded database between
 * two starts: on PGlite the server holds the data directory's lock while it runs.
 */
export class ServerProcess {
  base = '';
  readonly log: string[] = [];
  private child: ChildProcess | undefined;
  private dataDir: string | undefined;
  private dbUrl: string | undefined;
  private port = 0;

  constructor(
    readonly name: string,
    /** Extra environment (DATABASE_URL: '' runs on PGlite even when the suite runs on PostgreSQL). */
    private readonly extraEnv: NodeJS.ProcessEnv = {},
  ) {}

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? this.dataDir,
      TMPDIR: tmpdir(),
      PORT: String(this.port),
      GREENTRADE_DATA_DIR: this.dataDir,
      GREENTRADE_DEMO: '1',
      // One signing key for every server of a run: on PostgreSQL they share one log, as a fleet does.
      GREENTRADE_LEDGER_KEY: TEST_LEDGER_KEY,
      GREENTRADE_LEDGER_ORIGIN: TEST_LEDGER_ORIGIN,
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    };
    // Where others reach it (PACT replies, peer registries): the port it keeps across restarts.
    if (this.base) env['GREENTRADE_PUBLIC_URL'] = this.base;
    if (this.dbUrl) env['DATABASE_URL'] = this.dbUrl;
    for (const [k, v] of Object.entries(this.extraEnv)) {
      if (v === '' || v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  async start(): Promise<void> {
    if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm run build first`);
    this.dataDir ??= await mkdtemp(join(tmpdir(), `greentrade-e2e-${this.name}-`));
    await this.ensureDatabase();
    if (!this.port) this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    const child = spawn(process.execPath, [SERVER_ENTRY, 'serve'], {
      cwd: ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.log.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.log.push(d.toString()));
    const deadline = Date.now() + 150_000;
    let last = '';
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`${this.name}: the server exited with ${child.exitCode}:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.base}/healthz`);
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name}: not healthy after 150 s (${last}):\n${this.logTail()}`);
  }

  logTail(): string {
    return this.log.slice(-60).join('');
  }

  /** SIGKILL: no shutdown hook runs, open transactions are cut off; start() again on the same data. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    this.child = undefined;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.child = undefined;
  }

  /** Runs the CLI on this server's database (stop the server first on PGlite); returns stdout. */
  async cli(args: string[]): Promise<string> {
    const { code, out, err } = await this.exec(args);
    if (code !== 0) throw new Error(`greentrade ${args.join(' ')} exited with ${code}:\n${err}${out}`);
    return out;
  }

  /** The same, for a test that checks the exit code itself. */
  async exec(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    this.dataDir ??= await mkdtemp(join(tmpdir(), `greentrade-e2e-${this.name}-`));
    await this.ensureDatabase();
    const child = spawn(process.execPath, [SERVER_ENTRY, ...args], {
      cwd: ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, out, err };
  }

  /** The server's own database on a PostgreSQL run (kept across restarts until dispose()). */
  private async ensureDatabase(): Promise<void> {
    if (this.extraEnv['DATABASE_URL'] === '') return; // told to run on PGlite
    this.dbUrl ??= await ownDatabase(this.name);
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    await dropDatabase(this.dbUrl);
  }
}
