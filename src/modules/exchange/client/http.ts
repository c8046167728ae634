/**
 * Talking to one supplier's PACT host without letting it hold us up: every request has a timeout,
 * network errors, timeouts, 429 and 5xx are retried with exponential back-off and full jitter up
 * to a number of attempts, 4xx are not retried (asking again will not change the answer). The
 * access token is cached until shortly before it expires and renewed once on a 401.
 * Credentials and tokens go only to the supplier's own origin (or an https token endpoint named
 * by its discovery document), and pagination links are followed only on that origin.
 */
import { z } from 'zod';
import { PactErrorBody, TokenResponse } from './pact-model.js';

export interface Resilience {
  /** Per request (connect + answer). */
  timeoutMs: number;
  /** Attempts per request, the first included. */
  attempts: number;
  /** Back-off before retry n (1-based): random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A page or document larger than this is refused. */
  maxBytes: number;
  /** ListFootprints pages followed at most. */
  maxPages: number;
}
export const DEFAULT_RESILIENCE: Resilience = {
  timeoutMs: 10_000,
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 5_000,
  maxBytes: 10 * 1024 * 1024,
  maxPages: 100,
};

/** A failure talking to the supplier; `retryable` says whether another attempt could help. */
export class SupplierError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SupplierError';
  }
}

export interface Credentials {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

export const backoff = (attempt: number, r: Resilience, random = Math.random): number =>
  Math.floor(random() * Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** (attempt - 1)));

/** `<url>; rel="next"` from a Link header (RFC 8288). */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export class PactHttp {
  private token: { value: string; until: number } | undefined;
  private readonly origin: string;
  readonly base: string;

  constructor(
    private readonly creds: Credentials,
    readonly resilience: Resilience = DEFAULT_RESILIENCE,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.base = creds.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
  }

  /** One request with timeout and retries; answers any status that is not retryable. */
  private async send(url: string, init: RequestInit): Promise<Answer> {
    let last: SupplierError | undefined;
    for (let attempt = 1; attempt <= this.resilience.attempts; attempt++) {
      if (attempt > 1) await this.sleep(backoff(attempt - 1, this.resilience));
      try {
        const res = await this.fetchFn(url, {
          ...init,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.resilience.timeoutMs),
        });
        const text = await this.readLimited(res);
        if (res.status === 429 || res.status >= 500) {
          last = new SupplierError(`${new URL(url).pathname}: HTTP ${res.status}`, res.status, true);
          continue;
        }
        let body: unknown = undefined;
        if (text) {
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
        }
        return { status: res.status, headers: res.headers, body };
      } catch (e) {
        if (e instanceof SupplierError && !e.retryable) throw e;
        const name = (e as Error).name;
        last = new SupplierError(
          name === 'TimeoutError' || name === 'AbortError'
            ? `${new URL(url).pathname}: no answer within ${this.resilience.timeoutMs} ms`
            : `${new URL(url).pathname}: ${describeNetworkError(e)}`,
          undefined,
          true,
        );
      }
    }
    throw new SupplierError(
      `${last?.message ?? 'failed'} (after ${this.resilience.attempts} attempts)`,
      last?.status,
      true,
    );
  }

  private async readLimited(res: Response): Promise<string> {
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > this.resilience.maxBytes)
      throw new SupplierError(
        `answer of ${declared} bytes is over ${this.resilience.maxBytes}`,
        res.status,
        false,
      );
    const text = await res.text();
    if (Buffer.byteLength(text) > this.resilience.maxBytes)
      throw new SupplierError(`answer over ${this.resilience.maxBytes} bytes`, res.status, false);
    return text;
  }

  private async tokenEndpoint(): Promise<string> {
    const fallback = `${this.base}/auth/token`;
    try {
      const a = await this.send(`${this.base}/.well-known/openid-configuration`, { method: 'GET' });
      const ep = z.object({ token_endpoint: z.url() }).safeParse(a.body);
      if (a.status !== 200 || !ep.success) return fallback;
      const url = new URL(ep.data.token_endpoint);
      // The secret goes to the supplier's origin, or to an https authorization server it names.
      return url.origin === this.origin || url.protocol === 'https:' ? url.href : fallback;
    } catch (e) {
      // A host that is down or hanging stops here: trying the fallback would only double the wait.
      if (e instanceof SupplierError && e.retryable) throw e;
      return fallback;
    }
  }

  private async accessToken(renew = false): Promise<string> {
    if (!renew && this.token && this.token.until > Date.now()) return this.token.value;
    const url = await this.tokenEndpoint();
    const a = await this.send(url, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization:
          'Basic ' +
          Buffer.from(
            `${encodeURIComponent(this.creds.clientId)}:${encodeURIComponent(this.creds.clientSecret)}`,
          ).toString('base64'),
      },
      body: 'grant_type=client_credentials',
    });
    if (a.status === 400 || a.status === 401)
      throw new SupplierError(
        `the supplier refused the client credentials (HTTP ${a.status})`,
        a.status,
        false,
        'invalid_client',
      );
    const t = TokenResponse.safeParse(a.body);
    if (a.status !== 200 || !t.success)
      throw new SupplierError(`token endpoint: HTTP ${a.status}, no access_token`, a.status, false);
    const seconds = t.data.expires_in ?? 300;
    this.token = { value: t.data.access_token, until: Date.now() + Math.max(0, seconds - 30) * 1000 };
    return t.data.access_token;
  }

  /** An authenticated request; a 401 renews the token once (it may have expired early). */
  async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
    if (new URL(url).origin !== this.origin)
      throw new SupplierError(`refusing to send the token to ${new URL(url).origin}`, undefined, false);
    const go = async (token: string) =>
      this.send(url, {
        method,
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/cloudevents+json; charset=UTF-8' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let a = await go(await this.accessToken());
    if (a.status === 401) a = await go(await this.accessToken(true));
    return a;
  }

  /** A non-2xx answer as an error naming the PACT error code. */
  static fail(what: string, a: Answer): SupplierError {
    const e = PactErrorBody.safeParse(a.body);
    return new SupplierError(
      `${what}: HTTP ${a.status}${e.success ? ` ${e.data.code}${e.data.message ? `: ${e.data.message}` : ''}` : ''}`,
      a.status,
      false,
      e.success ? e.data.code : undefined,
    );
  }

  /** Every page of ListFootprints (v3, or v2 with `major` 2), following rel="next". */
  async listAll(major: 2 | 3): Promise<unknown[]> {
    const out: unknown[] = [];
    let url: string | undefined = `${this.base}/${major}/footprints?limit=100`;
    for (let page = 0; url; page++) {
      if (page >= this.resilience.maxPages)
        throw new SupplierError(`more than ${this.resilience.maxPages} pages`, undefined, false);
      const a = await this.call('GET', url);
      if (a.status !== 200 && a.status !== 202) throw PactHttp.fail(`ListFootprints`, a);
      const data = (a.body as { data?: unknown })?.data;
      if (!Array.isArray(data))
        throw new SupplierError('ListFootprints: the answer has no data array', a.status, false);
      out.push(...data);
      const next = nextLink(a.headers.get('link'));
      url = next === undefined ? undefined : new URL(next, url).href;
    }
    return out;
  }

  async getOne(major: 2 | 3, id: string): Promise<unknown | undefined> {
    const a = await this.call('GET', `${this.base}/${major}/footprints/${encodeURIComponent(id)}`);
    if (a.status === 404) return undefined;
    if (a.status !== 200) throw PactHttp.fail('GetFootprint', a);
    return (a.body as { data?: unknown })?.data;
  }

  async postEvent(major: 2 | 3, event: unknown): Promise<void> {
    const a = await this.call('POST', `${this.base}/${major}/events`, event);
    if (a.status < 200 || a.status >= 300) throw PactHttp.fail('Events', a);
  }
}

function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
}
