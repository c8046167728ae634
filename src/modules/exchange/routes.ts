import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { isAppError } from '../../kernel/errors.js';
import type { AppEnv } from '../../kernel/http.js';
import type { IdentityService } from '../identity/index.js';
import { decodeJwt } from 'jose';
import { checkBearer, parseBasic } from './auth.js';
import {
  CloudEvent,
  EVENT_TYPES_V2,
  EVENT_TYPES_V3,
  FulfilledData,
  PublishedData,
  RejectedData,
  RequestCriteriaV2,
  RequestCriteriaV3,
  type PactErrorCode,
} from './model.js';
import { NotImplementedFilter, parseODataFilter } from './odata.js';
import type { PactCaller, PactHostService, Spec } from './service.js';
import type { ListFilter } from './store.js';

/** PACT bodies are small (a request event, a token form): 1 MiB is far above any real one. */
const MAX_BODY = 1 << 20;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

const STATUS: Record<PactErrorCode, number> = {
  BadRequest: 400,
  AccessDenied: 403,
  TokenExpired: 401,
  NotFound: 404,
  NoSuchFootprint: 404,
  InternalError: 500,
  NotImplemented: 400,
};

/** The spec's error body `{code, message}`, always as application/json. */
const fail = (c: Context, code: PactErrorCode, message: string, status = STATUS[code]) =>
  c.json({ code, message }, status as 400);

class PactFail extends Error {
  constructor(
    readonly code: PactErrorCode,
    message: string,
    readonly status = STATUS[code],
  ) {
    super(message);
  }
}

/** The base URL of the PACT host as the caller reached it (links must carry the caller's host). */
const baseOf = (c: Context) => {
  const u = new URL(c.req.url);
  return `${u.origin}/pact`;
};

/**
 * The PACT host under /pact: outside /api, with its own bearer check and the specification's
 * error bodies. Error mapping (docs/pact.md): missing or invalid token → v3 401, v2 400, code
 * BadRequest; expired → 401 TokenExpired; user (not client) token → 403 AccessDenied; unknown
 * footprint → 404 NotFound (v3) / NoSuchFootprint (v2); not shared → 403 AccessDenied;
 * malformed input → 400 BadRequest; unsupported $filter → 400 NotImplemented (v2).
 */
export function pactRoutes(svc: PactHostService, identity: IdentityService): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    if (err instanceof PactFail) return fail(c, err.code, err.message, err.status);
    if (err instanceof NotImplementedFilter) return fail(c, 'NotImplemented', err.message);
    if (isAppError(err)) {
      if (err.status === 403) return fail(c, 'AccessDenied', err.message);
      if (err.status === 404) return fail(c, 'NotFound', err.message);
      if (err.status < 500) return fail(c, 'BadRequest', err.message, err.status === 413 ? 413 : 400);
    }
    c.get('log')?.error({ err }, 'PACT host error');
    return fail(c, 'InternalError', 'internal error; see the server log for request ' + c.get('requestId'));
  });

  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: (c) => fail(c, 'BadRequest', `the request body is over ${MAX_BODY} bytes`, 413),
  });

  // ---------------------------------------------------------------- discovery and token

  app.get('/.well-known/openid-configuration', (c) => {
    const base = baseOf(c);
    return c.json({
      issuer: base,
      token_endpoint: `${base}/auth/token`,
      jwks_uri: `${base}/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['EdDSA'],
      scopes_supported: ['footprint:list', 'footprint:read'],
    });
  });
  app.get('/jwks.json', (c) => c.json(identity.jwks()));

  /** RFC 6749 §4.4 and §5.2: the client authenticates with HTTP Basic (or, as §2.3.1 allows, the form). */
  app.post('/auth/token', limit, async (c) => {
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    const oauthError = (status: 400 | 401, error: string, description: string) => {
      if (status === 401) c.header('WWW-Authenticate', 'Basic realm="pact"');
      return c.json({ error, error_description: description }, status);
    };
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type))
      return oauthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    const form = new URLSearchParams(await c.req.text());
    const grant = form.get('grant_type');
    if (!grant) return oauthError(400, 'invalid_request', 'grant_type is missing');
    const basic = parseBasic(c.req.header('authorization'));
    const id = basic?.id ?? form.get('client_id');
    const secret = basic?.secret ?? form.get('client_secret');
    if (!id || !secret) return oauthError(401, 'invalid_client', 'client authentication failed');
    if (grant !== 'client_credentials')
      return oauthError(400, 'unsupported_grant_type', 'only client_credentials is supported');
    const token = id.length <= 200 && secret.length <= 1024 ? await identity.clientToken(id, secret) : null;
    if (!token) return oauthError(401, 'invalid_client', 'client authentication failed');
    const exp = decodeJwt(token).exp ?? 0;
    return c.json({
      access_token: token,
      token_type: 'Bearer',
      expires_in: Math.max(0, exp - Math.floor(Date.now() / 1000)),
    });
  });

  // ---------------------------------------------------------------- actions

  const caller = async (c: Context<AppEnv>, spec: Spec): Promise<PactCaller> => {
    const check = await checkBearer(identity, c.req.header('authorization'));
    if (check.ok) return check.caller;
    if (check.reason === 'expired') throw new PactFail('TokenExpired', 'the access token has expired', 401);
    if (check.reason === 'not-a-client')
      throw new PactFail(
        'AccessDenied',
        'PACT actions take the access token of an API client (client credentials)',
      );
    // v3 §5.5.3: 401 for an invalid token; v2.3 §8.6.4: "in all other cases BadRequest" (400).
    throw new PactFail(
      'BadRequest',
      check.reason === 'missing' ? 'a bearer access token is required' : 'invalid access token',
      spec === '3' ? 401 : 400,
    );
  };

  for (const spec of ['2', '3'] as const) {
    app.get(`/${spec}/footprints`, async (c) => {
      const who = await caller(c, spec);
      const url = new URL(c.req.url);
      const { filter, offset, limit: pageSize } = parseListQuery(url, spec);
      const { data, more } = await svc.list(who, spec, filter, offset, pageSize);
      if (more) {
        const next = new URL(`${baseOf(c)}/${spec}/footprints`);
        for (const [k, v] of url.searchParams)
          if (k !== 'offset' && k !== 'limit') next.searchParams.append(k, v);
        next.searchParams.set('limit', String(pageSize));
        next.searchParams.set('offset', String(offset + pageSize));
        c.header('Link', `<${next.toString()}>; rel="next"`);
      }
      return c.json({ data });
    });

    app.get(`/${spec}/footprints/:id`, async (c) => {
      const who = await caller(c, spec);
      const id = c.req.param('id');
      const found = await svc.get(who, spec, id);
      if (found === 'denied')
        return fail(c, 'AccessDenied', `footprint ${id} is not shared with your organisation`);
      if (found === null)
        return fail(c, spec === '3' ? 'NotFound' : 'NoSuchFootprint', `footprint ${id} does not exist`);
      return c.json({ data: found });
    });

    app.post(`/${spec}/events`, limit, async (c) => {
      const who = await caller(c, spec);
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/(cloudevents\+)?json\b/i.test(type))
        return fail(c, 'BadRequest', 'the body must be a CloudEvent as application/cloudevents+json');
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return fail(c, 'BadRequest', 'the body is not JSON');
      }
      const env = CloudEvent.safeParse(body);
      if (!env.success) {
        const i = env.error.issues[0]!;
        return fail(c, 'BadRequest', `${i.path.join('.') || 'event'}: ${i.message}`);
      }
      const ev = env.data;
      const types = spec === '3' ? EVENT_TYPES_V3 : EVENT_TYPES_V2;
      const kind = (Object.keys(types) as (keyof typeof types)[]).find((k) => types[k] === ev.type);
      if (!kind)
        return fail(
          c,
          spec === '3' ? 'BadRequest' : 'NotImplemented',
          `type: not an event of PACT v${spec === '3' ? '3' : '2'} (${Object.values(types).join(', ')})`,
        );
      const schema = {
        created: spec === '3' ? RequestCriteriaV3 : RequestCriteriaV2,
        fulfilled: FulfilledData,
        rejected: RejectedData,
        published: PublishedData,
      }[kind];
      const data = schema.safeParse(ev.data);
      if (!data.success) {
        const i = data.error.issues[0]!;
        return fail(c, 'BadRequest', `data.${i.path.join('.')}: ${i.message}`);
      }
      const d = data.data as Record<string, unknown>;
      const comment = typeof d['comment'] === 'string' ? d['comment'] : null;
      await svc.receiveEvent(who, spec, kind, ev, d, comment);
      return c.body(null, 200);
    });
  }

  app.all('*', (c) => fail(c, 'NotFound', 'no such PACT action', 404));
  return app;
}

function intParam(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v) || Number(v) < min)
    throw new PactFail('BadRequest', `${name}: must be an integer of at least ${min}`);
  return Number(v);
}

/** Query → filter, offset, limit. Parameter names match case-insensitively (the spec's example does). */
export function parseListQuery(url: URL, spec: Spec): { filter: ListFilter; offset: number; limit: number } {
  const params = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) {
    const key = k.toLowerCase();
    params.set(key, [...(params.get(key) ?? []), v]);
  }
  const one = (k: string) => params.get(k)?.[0];
  const limit = Math.min(intParam(one('limit'), 'limit', 1) ?? DEFAULT_LIMIT, MAX_LIMIT);
  const offset = intParam(one('offset'), 'offset', 0) ?? 0;
  const filter: ListFilter = {};
  if (spec === '2') {
    const f = one('$filter');
    if (f !== undefined && f.trim() !== '') filter.extra = parseODataFilter(f);
    return { filter, offset, limit };
  }
  if (params.has('$filter'))
    throw new PactFail(
      'BadRequest',
      '$filter: the OData $filter of v2 is not part of v3; use the v3 filter parameters',
    );
  // An empty value (`?classification=`) filters nothing: the conformance run sends one when a footprint has no such field.
  // Repeated parameters (explode: true), not comma lists: a URN may contain a comma.
  const many = (k: string) => (params.get(k) ?? []).map((v) => v.trim()).filter(Boolean);
  const date = (k: string) => {
    const v = one(k)?.trim();
    if (!v) return undefined;
    // `+` in a query string decodes to a space: "2025-01-01T00:00:00 00:00" means +00:00.
    const fixed = v.replace(/ (\d{2}:?\d{2})$/, '+$1');
    if (
      !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(fixed) ||
      Number.isNaN(Date.parse(fixed))
    )
      throw new PactFail('BadRequest', `${k}: not an RFC 3339 date-time`);
    return new Date(fixed).toISOString();
  };
  const productIds = many('productid');
  const companyIds = many('companyid');
  const geographies = many('geography');
  const classifications = many('classification');
  const statuses = many('status');
  if (productIds.length) filter.productIds = productIds;
  if (companyIds.length) filter.companyIds = companyIds;
  if (geographies.length) filter.geographies = geographies;
  if (classifications.length) filter.classifications = classifications;
  if (statuses.length) filter.statuses = statuses;
  const validOn = date('validon');
  const validAfter = date('validafter');
  const validBefore = date('validbefore');
  if (validOn) filter.validOn = validOn;
  if (validAfter) filter.validAfter = validAfter;
  if (validBefore) filter.validBefore = validBefore;
  return { filter, offset, limit };
}
