import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { serveStatic } from '@hono/node-server/serve-static';
import { Scalar } from '@scalar/hono-api-reference';
import type { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { AppError, isAppError } from '../kernel/errors.js';
import { createRouter, declarePublic, isDeclared, type AppEnv } from '../kernel/http.js';
import type { Logger } from '../kernel/log.js';
import { packageRoot } from '../kernel/paths.js';
import { classificationRoutes } from '../modules/classification/index.js';
import { footprintRoutes } from '../modules/footprint/index.js';
import { ledgerRoutes } from '../modules/ledger/index.js';
import { pactClientRoutes, pactHostApiRoutes, pactRoutes } from '../modules/exchange/index.js';
import { identityRoutes, SESSION_COOKIE } from '../modules/identity/index.js';
import { registryRoutes } from '../modules/registry/index.js';
import { cbamRoutes } from '../modules/cbam/index.js';
import type { Platform } from '../platform.js';

export const API_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'GreenTrade API',
    version: '0.1.0',
    description:
      'Trusted green-trade data: green-goods classification (and, module by module, footprints, CBAM, registries).',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
} as const;

/** Refuses an app with an /api route that did not declare who may call it. */
export function assertAllRoutesDeclared(app: Hono<AppEnv>): void {
  const undeclared = app.routes
    .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !isDeclared(r.method, r.path))
    .map((r) => `${r.method} ${r.path}`);
  if (undeclared.length > 0)
    throw new Error(`routes without an access declaration: ${[...new Set(undeclared)].join(', ')}`);
}

export function buildApp(
  platform: Platform,
  log: Logger,
  opts: { webDir?: string } = {},
): OpenAPIHono<AppEnv> {
  const app = createRouter();

  app.use('*', requestId({ limitLength: 64 }));
  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('log', log.child({ reqId: c.get('requestId') }));
    await next();
    // Method, path and status only: query strings and headers may carry secrets.
    c.get('log').info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        caller: c.get('principal')?.id,
      },
      'request',
    );
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        // The API reference page loads Scalar from its CDN.
        scriptSrc: ["'self'", 'https://cdn.jsdelivr.net', "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'", 'https://cdn.jsdelivr.net', 'https://fonts.scalar.com'],
        fontSrc: ["'self'", 'data:', 'https://fonts.scalar.com'],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    }),
  );

  // Who is calling: a bearer token (API clients) or the session cookie (the web app).
  app.use('/api/*', async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const cookie = bearer ? undefined : getCookie(c, SESSION_COOKIE);
    const token = bearer ?? cookie;
    const principal = token ? await platform.identity.verify(token) : null;
    if (bearer && !principal) throw new AppError('unauthorized', 'the bearer token is invalid or expired');
    // Cookies ride along on cross-site requests: writes with one must come from our own origin.
    if (cookie && principal && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin && origin !== new URL(c.req.url).origin)
        throw new AppError('forbidden', 'cross-origin request refused');
    }
    c.set('principal', principal);
    await next();
  });

  app.get('/healthz', async (c) => {
    await platform.db.query('SELECT 1');
    return c.json({ status: 'ok', database: platform.db.kind });
  });

  identityRoutes(app, platform.identity);
  classificationRoutes(app, platform.classification);
  ledgerRoutes(app, platform.ledger);
  footprintRoutes(app, platform.footprint);
  pactHostApiRoutes(app, platform.exchange.host);
  pactClientRoutes(app, platform.exchange.client);
  registryRoutes(app, platform.registry);
  cbamRoutes(app, platform.cbam);
  // The PACT host: outside /api (own token endpoint, own bearer check, the spec's error bodies).
  app.route('/pact', pactRoutes(platform.exchange.host, platform.identity));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'From POST /api/v1/auth/token (client credentials)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'Set by POST /api/v1/auth/login',
  });
  declarePublic('GET', '/api/v1/openapi.json');
  app.doc31('/api/v1/openapi.json', API_INFO);
  declarePublic('GET', '/api/v1/docs');
  app.get('/api/v1/docs', Scalar({ url: '/api/v1/openapi.json', pageTitle: 'GreenTrade API' }));

  app.all('/api/*', () => {
    throw new AppError('not_found', 'no such API route');
  });

  const webDir = opts.webDir ?? join(packageRoot(), 'dist', 'web');
  const index = join(webDir, 'index.html');
  if (existsSync(index)) {
    const root = relative(process.cwd(), webDir) || '.';
    app.use(
      '/assets/*',
      serveStatic({
        root,
        onFound: (_p, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable'),
      }),
    );
    app.use('*', serveStatic({ root }));
    const html = readFileSync(index, 'utf8');
    app.get('*', (c) => c.html(html)); // the single-page app routes itself
  } else {
    app.get('/', (c) =>
      c.html(
        '<!doctype html><html><body><h1>GreenTrade</h1><p>The web app is not built: run <code>npm run build</code>. The API is at <a href="/api/v1/docs">/api/v1/docs</a>.</p></body></html>',
      ),
    );
  }

  app.onError((err, c) => {
    if (isAppError(err)) return c.json(err.toJSON(), err.status as 400);
    const status = (err as { status?: number }).status;
    if (status === 413)
      return c.json(new AppError('payload_too_large', 'request body too large').toJSON(), 413);
    if (err instanceof SyntaxError || status === 400)
      return c.json(new AppError('bad_request', 'malformed request body (invalid JSON?)').toJSON(), 400);
    c.get('log')?.error({ err }, 'unhandled error');
    return c.json(
      new AppError(
        'internal',
        'internal error; see the server log for request ' + c.get('requestId'),
      ).toJSON(),
      500,
    );
  });

  assertAllRoutesDeclared(app);
  return app;
}
