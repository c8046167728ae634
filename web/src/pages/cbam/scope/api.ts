/** The CBAM rules calls of the scope page (scope by CN code, goods categories, free allocation). */
import { request } from '../../../api';

export type CbamSector = 'cement' | 'electricity' | 'fertilisers' | 'iron_steel' | 'aluminium' | 'hydrogen';

export interface ScopeAnswer {
  cn: string;
  inScope: boolean;
  sector: CbamSector | null;
  reason: string;
  goodsCategory?: string | null;
}

export interface GoodsCategory {
  code: string;
  sector: CbamSector;
  name: string;
  cnPrefixes: string[];
  routes: string[];
  countsIndirect: boolean;
}

export const scopeApi = {
  scope: (codes: string[], signal?: AbortSignal) =>
    request<{ results: ScopeAnswer[] }>('POST', '/cbam/scope', { body: { codes }, signal }),
  categories: (year: number, signal?: AbortSignal) =>
    request<{ year: number; categories: GoodsCategory[] }>('GET', '/cbam/rules/categories', {
      query: { year },
      signal,
    }),
  freeAllocation: (signal?: AbortSignal) =>
    request<{ series: { year: number; share: string; source: string }[] }>(
      'GET',
      '/cbam/rules/free-allocation',
      {
        signal,
      },
    ),
  deMinimis: (year: number, signal?: AbortSignal) =>
    request<{ year: number; thresholdTonnes: string | null; excludedSectors: CbamSector[]; source: string }>(
      'GET',
      '/cbam/rules/de-minimis',
      { query: { year }, signal },
    ),
};

/** "72085120" → "7208 51 20". */
export const formatCn = (code: string): string =>
  code
    .match(/^(\d{4})(\d{2})?(\d{2})?(\d{2})?$/)
    ?.slice(1)
    .filter(Boolean)
    .join(' ') ?? code;

/** The codes typed in a box: one per line, or separated by commas or semicolons (spaces inside a code are kept). */
export const splitCodes = (text: string): string[] =>
  text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
