/** A PACT v3 host in memory, as a `fetch`, for the client's tests: footprints, pages, faults. */
import { randomUUID } from 'node:crypto';

export function v3Footprint(
  over: Record<string, unknown> = {},
  pcf: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: randomUUID(),
    specVersion: '3.0.0',
    created: '2025-01-10T00:00:00Z',
    status: 'Active',
    companyName: 'Steel Supplier Ltd',
    companyIds: ['urn:pact:company:steel-supplier'],
    productDescription: 'Hot-rolled coil',
    productIds: ['urn:pact:product:hrc'],
    productNameCompany: 'HRC',
    pcf: {
      declaredUnitOfMeasurement: 'kilogram',
      declaredUnitAmount: '1',
      productMassPerDeclaredUnit: '1',
      referencePeriodStart: '2024-01-01T00:00:00Z',
      referencePeriodEnd: '2025-01-01T00:00:00Z',
      pcfExcludingBiogenicUptake: '2.1',
      pcfIncludingBiogenicUptake: '2.1',
      fossilGhgEmissions: '2.0',
      fossilCarbonContent: '0',
      ipccCharacterizationFactors: ['AR6'],
      crossSectoralStandards: ['ISO14067'],
      exemptedEmissionsPercent: '0',
      ...pcf,
    },
    ...over,
  };
}

export interface FakeHost {
  fetch: typeof fetch;
  footprints: Record<string, unknown>[];
  /** Requests seen: method and path (with query). */
  seen: string[];
  events: unknown[];
  /** Answers to give before the real one, for the next matching request: a status, 'network' or 'hang'. */
  faults: (number | 'network' | 'hang')[];
  secret: string;
}

export function fakeHost(base = 'https://supplier.test/pact', pageSize = 2): FakeHost {
  const host: FakeHost = {
    fetch: undefined as never,
    footprints: [],
    seen: [],
    events: [],
    faults: [],
    secret: 's3cret',
  };
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  host.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    host.seen.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
    const fault = host.faults.shift();
    if (fault === 'network') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    if (fault === 'hang')
      return new Promise((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new DOMException('timeout', 'TimeoutError'))),
      );
    if (typeof fault === 'number') return json(fault, { code: 'InternalError', message: 'fault' });
    const path = url.pathname.slice(new URL(base).pathname.length);
    const auth = (init?.headers as Record<string, string> | undefined)?.['Authorization'] ?? '';
    if (path === '/.well-known/openid-configuration') return json(404, {});
    if (path === '/auth/token') {
      const [id, secret] = Buffer.from(auth.replace('Basic ', ''), 'base64').toString().split(':');
      return id === 'buyer' && secret === host.secret
        ? json(200, { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 })
        : json(401, { error: 'invalid_client' });
    }
    if (auth !== 'Bearer tok') return json(401, { code: 'BadRequest', message: 'token' });
    if (path === '/3/footprints') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const page = host.footprints.slice(offset, offset + pageSize);
      const more = offset + pageSize < host.footprints.length;
      return json(
        200,
        { data: page },
        more ? { link: `<${base}/3/footprints?offset=${offset + pageSize}>; rel="next"` } : {},
      );
    }
    if (path.startsWith('/3/footprints/')) {
      const f = host.footprints.find((x) => x['id'] === path.split('/')[3]);
      return f ? json(200, { data: f }) : json(404, { code: 'NoSuchFootprint', message: 'no' });
    }
    if (path === '/3/events') {
      host.events.push(JSON.parse(String(init?.body)));
      return new Response(null, { status: 200 });
    }
    return json(404, { code: 'NotFound' });
  }) as typeof fetch;
  void randomUUID;
  return host;
}
