import type { OutboundEvent } from './service.js';

/**
 * Sends an answer event (RequestFulfilled / RequestRejected) to the data recipient's PACT host:
 * its token endpoint from OpenID discovery at the `source` base URL (else `{source}/auth/token`),
 * a client-credentials token when we hold credentials for that host, then
 * `POST {source}/{2|3}/events` as application/cloudevents+json. Credentials come from
 * `credentialsFor` (the lead may wire it to the client side's connections) or from
 * GREENTRADE_PACT_CALLBACK_CREDENTIALS, a JSON object from origin to {clientId, clientSecret}
 * (the conformance service wants `test_client_id` / `test_client_secret`). Without credentials
 * the event goes without a token (a receiver that needs one will refuse it: that is logged).
 */
export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface DeliverOptions {
  credentialsFor?: (origin: string) => Promise<Credentials | null> | Credentials | null;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface Delivery {
  ok: boolean;
  status: number | null;
  url: string;
  error: string | null;
}

const MAX_ANSWER = 64 * 1024;

function envCredentials(origin: string): Credentials | null {
  const raw = process.env['GREENTRADE_PACT_CALLBACK_CREDENTIALS'];
  if (!raw) return null;
  try {
    const map = JSON.parse(raw) as Record<string, { clientId?: string; clientSecret?: string }>;
    const c = map[origin];
    return c?.clientId && c.clientSecret ? { clientId: c.clientId, clientSecret: c.clientSecret } : null;
  } catch {
    return null;
  }
}

export async function deliverEvent(out: OutboundEvent, opts: DeliverOptions = {}): Promise<Delivery> {
  const f = opts.fetch ?? fetch;
  const timeout = opts.timeoutMs ?? 10_000;
  let base: URL;
  try {
    base = new URL(out.replyTo);
  } catch {
    return { ok: false, status: null, url: out.url, error: 'source is not an absolute URL' };
  }
  // Only web URLs: a source such as file: or data: is not a host we answer.
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    return { ok: false, status: null, url: out.url, error: `source scheme ${base.protocol} refused` };
  const root = out.replyTo.replace(/\/+$/, '');
  const signal = () => AbortSignal.timeout(timeout);
  try {
    const creds = (await opts.credentialsFor?.(base.origin)) ?? envCredentials(base.origin);
    const headers: Record<string, string> = { 'Content-Type': 'application/cloudevents+json; charset=UTF-8' };
    if (creds) {
      let tokenUrl = `${root}/auth/token`;
      try {
        const d = await f(`${root}/.well-known/openid-configuration`, {
          signal: signal(),
          redirect: 'error',
        });
        if (d.ok) {
          const doc = (await d.json()) as { token_endpoint?: unknown };
          if (typeof doc.token_endpoint === 'string' && /^https?:\/\//.test(doc.token_endpoint))
            tokenUrl = doc.token_endpoint;
        }
      } catch {
        /* no discovery: the default endpoint */
      }
      const t = await f(tokenUrl, {
        method: 'POST',
        signal: signal(),
        redirect: 'error',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          Authorization: 'Basic ' + Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64'),
        },
        body: 'grant_type=client_credentials',
      });
      if (!t.ok)
        return { ok: false, status: t.status, url: out.url, error: `token endpoint answered ${t.status}` };
      const token = ((await t.json()) as { access_token?: unknown }).access_token;
      if (typeof token !== 'string')
        return { ok: false, status: t.status, url: out.url, error: 'no access_token' };
      headers['Authorization'] = `Bearer ${token}`;
    }
    const res = await f(out.url, {
      method: 'POST',
      signal: signal(),
      redirect: 'error',
      headers,
      body: JSON.stringify(out.event),
    });
    // Read (a bounded part of) the answer so that the connection is released.
    const text = (await res.text()).slice(0, MAX_ANSWER);
    return { ok: res.ok, status: res.status, url: out.url, error: res.ok ? null : text.slice(0, 300) };
  } catch (e) {
    return { ok: false, status: null, url: out.url, error: (e as Error).message };
  }
}
