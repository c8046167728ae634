/**
 * The typed client of the GreenTrade HTTP API (/api/v1), written by hand against the contract.
 * Every call the web app makes goes through this file, so that it can later be replaced by
 * types generated from the server's OpenAPI document without touching the pages.
 *
 * Authentication is an httpOnly session cookie set by the server: we send it with
 * `credentials: "same-origin"` and never see or store a token.
 */

// ---------------------------------------------------------------------------------------------
// Types of the contract
// ---------------------------------------------------------------------------------------------

import type { components, paths } from './api-schema';

// Generated from docs/openapi.json (npm run openapi:web), which CI checks against the server's
// own schemas: a change to the API that the web app does not follow fails the typecheck.
type Schemas = components['schemas'];
type JsonOf<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

export type Role = Schemas['Role'];
export type Membership = Schemas['Membership'];
export type User = Schemas['User'];
export type HsLevel = number;
export type SearchResponse = Schemas['SearchResults'];
export type SearchResult = SearchResponse['results'][number];
export type Section = Schemas['CodeDetail']['section'];
export type CodeRef = Schemas['CodeSummary'];
export type ListRef = Schemas['ListRef'];
export type VersionRef = Schemas['VersionRef'];
export type Rule = Schemas['ListEntry']['rule'];
export type Coverage = Schemas['ListEntry']['coverage'];
export type MembershipStatus = Schemas['ListMembership']['status'];
export type Concordance = Schemas['ConcordanceVia'];
export type MatchedEntry = Schemas['MatchedEntry'];
export type ListMembership = Schemas['ListMembership'];
export type CodeDetail = Schemas['CodeDetail'];
export type ListSummary = Schemas['GreenList'];
export type ListVersion = Schemas['ListVersion'];
export type ListEntry = Schemas['ListEntry'];
export type ListVersionDetail = JsonOf<'/api/v1/classification/lists/{slug}/versions/{number}', 'get'>;
export type ListDiff = Schemas['ListDiff'];
export type Proposal = Schemas['ChangeProposal'];
export type ProposalStatus = Proposal['status'];
export type PersonRef = Proposal['proposedBy'];
export type ProposalDetail = Schemas['ChangeProposalDetail'];
export type ProposalChange = ProposalDetail['changes'][number];
export type ChangeAction = ProposalChange['action'];
export type NewProposal = Schemas['NewProposal'];
export type NewChange = NewProposal['changes'][number];
export type LedgerKeys = JsonOf<'/api/v1/ledger/public-key', 'get'>;
export type LedgerCheckpoint = Schemas['LedgerCheckpoint'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type LedgerProof = Schemas['LedgerInclusionProof'];
export type LedgerAppended = Schemas['LedgerAppended'];
export type LedgerAnchors = JsonOf<'/api/v1/ledger/notarizations/{sha256}', 'get'>;

/** The body of every API error: `{"error":{"code","message","field",...extra}}`. */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
  nearest?: { code: string; description: string }[];
  [extra: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------------

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.field = body.field;
    this.body = body;
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};

/** The app registers what to do when any call answers 401 (go to the login page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

type Query = Record<string, string | number | undefined | null>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Do not call the 401 handler (login itself, and the "who am I" probe). */
  quiet401?: boolean;
  signal?: AbortSignal | undefined;
  /** Extra request headers, such as `Idempotency-Key` for registry writes. */
  headers?: Record<string, string>;
}

const BASE = '/api/v1';

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

function asErrorBody(status: number, json: unknown, fallback: string): ErrorBody {
  if (json && typeof json === 'object' && 'error' in json) {
    const err = (json as { error: unknown }).error;
    if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
      const e = err as ErrorBody;
      return { ...e, code: typeof e.code === 'string' ? e.code : `http_${status}` };
    }
  }
  return { code: `http_${status}`, message: fallback };
}

/** The one transport of every page group's calls: `path` is under /api/v1. */
export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { ...opts.headers, Accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  if (opts.signal) init.signal = opts.signal;

  let res: Response;
  try {
    res = await fetch(url(path, opts.query), init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { code: 'network', message: e instanceof Error ? e.message : String(e) });
  }

  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const err = new ApiError(
      res.status,
      asErrorBody(res.status, json, `${res.status} ${res.statusText}`.trim()),
    );
    if (res.status === 401 && !opts.quiet401) onUnauthorized();
    throw err;
  }
  if (json === undefined) {
    throw new ApiError(res.status, { code: 'bad_response', message: `expected JSON from ${method} ${path}` });
  }
  return json as T;
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

export const api = {
  // auth
  login: (email: string, password: string) =>
    request<{ user: User }>('POST', '/auth/login', { body: { email, password }, quiet401: true }),
  logout: () => request<void>('POST', '/auth/logout', { quiet401: true }),
  /** The signed-in user, or null when not signed in. */
  me: async (): Promise<User | null> => {
    try {
      return (await request<{ user: User }>('GET', '/auth/me', { quiet401: true })).user;
    } catch (e) {
      if (isApiError(e) && e.status === 401) return null;
      throw e;
    }
  },

  // classification
  search: (q: string, limit = 25, signal?: AbortSignal) =>
    request<SearchResponse>('GET', '/classification/search', { query: { q, limit }, signal }),
  code: (code: string, asOf?: string, signal?: AbortSignal) =>
    request<CodeDetail>('GET', `/classification/codes/${enc(code)}`, { query: { asOf }, signal }),
  lists: (signal?: AbortSignal) =>
    request<{ lists: ListSummary[] }>('GET', '/classification/lists', { signal }),
  list: (slug: string, signal?: AbortSignal) =>
    request<{ list: ListSummary; versions: ListVersion[] }>('GET', `/classification/lists/${enc(slug)}`, {
      signal,
    }),
  listVersion: (slug: string, n: number, signal?: AbortSignal) =>
    request<ListVersionDetail>('GET', `/classification/lists/${enc(slug)}/versions/${n}`, { signal }),
  listDiff: (slug: string, from: number, to: number, signal?: AbortSignal) =>
    request<ListDiff>('GET', `/classification/lists/${enc(slug)}/diff`, { query: { from, to }, signal }),
  proposals: (
    filter: { list?: string | undefined; status?: ProposalStatus | undefined },
    signal?: AbortSignal,
  ) =>
    request<{ proposals: Proposal[] }>('GET', '/classification/proposals', {
      query: { list: filter.list, status: filter.status },
      signal,
    }),
  proposal: (id: string, signal?: AbortSignal) =>
    request<{ proposal: ProposalDetail }>('GET', `/classification/proposals/${enc(id)}`, { signal }),
  createProposal: (slug: string, body: NewProposal) =>
    request<{ proposal: Proposal }>('POST', `/classification/lists/${enc(slug)}/proposals`, { body }),
  approveProposal: (id: string, comment?: string) =>
    request<{ proposal: ProposalDetail; version: { number: number; effectiveFrom?: string } }>(
      'POST',
      `/classification/proposals/${enc(id)}/approve`,
      { body: comment ? { comment } : {} },
    ),
  rejectProposal: (id: string, comment: string) =>
    request<{ proposal: ProposalDetail }>('POST', `/classification/proposals/${enc(id)}/reject`, {
      body: { comment },
    }),

  // ledger (the reads are public: they work without signing in)
  ledgerKeys: (signal?: AbortSignal) => request<LedgerKeys>('GET', '/ledger/public-key', { signal }),
  latestCheckpoint: (signal?: AbortSignal) =>
    request<LedgerCheckpoint>('GET', '/ledger/checkpoints/latest', { signal }),
  checkpoints: (limit: number, signal?: AbortSignal) =>
    request<{ checkpoints: LedgerCheckpoint[] }>('GET', '/ledger/checkpoints', { query: { limit }, signal }),
  ledgerEntry: (index: number, signal?: AbortSignal) =>
    request<LedgerEntry>('GET', `/ledger/entries/${index}`, { signal }),
  ledgerProof: (index: number, signal?: AbortSignal) =>
    request<LedgerProof>('GET', `/ledger/entries/${index}/proof`, { signal }),
  anchors: (sha256: string, signal?: AbortSignal) =>
    request<LedgerAnchors>('GET', `/ledger/notarizations/${enc(sha256)}`, { signal }),
  /** Anchors a document by its SHA-256 (signed-in users); the document itself is never sent. */
  notarize: (sha256: string) =>
    request<LedgerAppended>('POST', '/ledger/notarizations', { body: { sha256 } }),
};

/**
 * A fresh Idempotency-Key for one submitted form. crypto.randomUUID exists only in secure contexts
 * (https, localhost); getRandomValues exists everywhere, so a server on plain http in a LAN works too.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
