import { z } from '@hono/zod-openapi';
import { hasRoleIn, type Role } from '../../../kernel/access.js';
import { AppError } from '../../../kernel/errors.js';
import type { CbamCost, CbamImporter, CbamRules, Viewer } from '../contract.js';
import type { CbamDeps } from '../context.js';
import type { ImporterService } from '../importer/index.js';
import type { RulesService } from '../rules/index.js';
import {
  CERTIFICATES_ON_SALE_FROM,
  D,
  FIRST_YEAR,
  LAST_PROJECTION_YEAR,
  declarationDue,
  eur,
  lineCertificates,
  parsePriceCsv,
  projectYear,
  projectedPrice,
  wholeCertificates,
  yearPrice,
  type EurRates,
  type ProjectionRow,
  type YearPrice,
} from './calc.js';
import * as store from './store.js';

/** What the cost part calls of the rules; benchmark takes the year its values apply to. */
type RulesApi = Pick<CbamRules, 'freeAllocationShare' | 'scope' | 'snapshot'> & {
  benchmark(cn: string, route: string | null, year?: number): ReturnType<CbamRules['benchmark']>;
};

const WRITE_ROLES: readonly Role[] = ['admin', 'member'];

const DecimalText = z
  .union([z.string().trim().max(40), z.number()])
  .transform((v) => String(v))
  .refine((v) => /^\d+(\.\d+)?$/.test(v), { message: 'a non-negative decimal number' });

/** What the cost part reads of the importer's declaration (other fields are ignored). */
const DeclarationLine = z
  .object({
    cn: z.string(),
    country: z.string(),
    sector: z.string().nullable().optional(),
    route: z.string().nullable().optional(),
    netMass: DecimalText,
    direct: DecimalText.optional(),
    indirect: DecimalText.optional(),
    total: DecimalText,
    carbonPricePaid: z
      .array(
        z.object({
          instrument: z.string().optional(),
          price: DecimalText,
          currency: z.string().regex(/^[A-Z]{3}$/),
          coveredShare: DecimalText,
          rebate: DecimalText.optional(),
        }),
      )
      .optional(),
  })
  .passthrough();
const Declaration = z
  .object({
    lines: z.array(DeclarationLine),
    deMinimis: z
      .object({ exempt: z.boolean(), reason: z.string().optional(), explanation: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** EUR per unit of a currency: `{ "CNY": "0.128" }`. */
export const EurRatesInput = z.record(
  z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code'),
  DecimalText.refine((v) => new D(v).gt(0), { message: 'a positive exchange rate' }),
);

export const ProjectionInput = z
  .object({
    cn: z
      .string()
      .trim()
      .max(20)
      .transform((v) => v.replace(/[\s.]/g, ''))
      .refine((v) => /^\d{8}$/.test(v), { message: 'an 8-digit CN code' }),
    country: z
      .string()
      .trim()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code'),
    route: z.string().trim().max(64).nullable().optional(),
    tonnesPerYear: DecimalText.refine((v) => new D(v).gt(0) && new D(v).lte(1e9), {
      message: 'tonnes a year, more than 0 and at most 10^9',
    }),
    seeDirect: DecimalText.refine((v) => new D(v).lte(100), { message: 'at most 100 t CO2e per t' }),
    seeIndirect: DecimalText.refine((v) => new D(v).lte(100), {
      message: 'at most 100 t CO2e per t',
    }).optional(),
    carbonPricePaidEurPerT: DecimalText.optional(),
    /** EUR per certificate: the flat price, or the 2026 base price when priceGrowthPerYear is given. */
    priceEur: DecimalText.refine((v) => new D(v).gt(0), { message: 'a positive price' }).optional(),
    /** A yearly growth rate of the price, e.g. 0.05 for +5% a year. */
    priceGrowthPerYear: z
      .union([z.string().trim().max(20), z.number()])
      .transform((v) => String(v))
      .refine((v) => /^-?\d+(\.\d+)?$/.test(v) && new D(v).gt(-1) && new D(v).lte(1), {
        message: 'a yearly growth rate between -1 and 1 (0.05 = +5%)',
      })
      .optional(),
    /** The organisation whose imported price series gives the base price when priceEur is absent. */
    org: z.string().max(64).optional(),
  })
  .strict();
export type ProjectionInput = z.input<typeof ProjectionInput>;

export interface OwedLine {
  cn: string;
  country: string;
  sector: string | null;
  route: string | null;
  netMass: string;
  embedded: string;
  freeAllocationShare: string;
  benchmark: string | null;
  benchmarkSource: string | null;
  freeAllocationAdjustment: string;
  carbonPriceDeduction: string;
  certificates: string;
  costEur: string | null;
  notes: string[];
}

export interface OwedAnswer {
  orgId: string;
  year: number;
  exempt: boolean;
  exemptReason: string | null;
  price: YearPrice | null;
  lines: OwedLine[];
  totals: {
    embedded: string;
    freeAllocationAdjustment: string;
    carbonPriceDeduction: string;
    /** The exact decimal sum. */
    certificatesExact: string;
    /** Whole certificates to surrender: the exact sum rounded up. */
    certificatesToSurrender: string;
    /** certificatesToSurrender × price, EUR; null without a price for the year. */
    costEur: string | null;
  };
  timeline: { certificatesOnSaleFrom: string; declarationDue: string; surrenderBy: string };
  notes: string[];
}

export interface ProjectionAnswer {
  cn: string;
  country: string;
  route: string | null;
  sector: string | null;
  benchmark: { value: string; source: string } | null;
  priceBasis: string;
  rows: ProjectionRow[];
  totals: { certificates: string; costEur: string };
  notes: string[];
}

const isMember = (v: Viewer, orgId: string) => v === 'system' || v.memberships.some((m) => m.orgId === orgId);
const actorOf = (v: Viewer) => (v === 'system' ? 'local operator' : `${v.kind}:${v.id}`);

const parseInput = <T extends z.ZodType>(schema: T, input: unknown): z.output<T> => {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw new AppError('bad_request', `${field}: ${issue.message}`, { field });
};

/** EU ETS price series, certificates owed for a declaration year and their cost, projection to 2034. */
export class CostService implements CbamCost {
  constructor(
    readonly deps: CbamDeps,
    readonly rules: RulesService,
    readonly importer: ImporterService,
  ) {}

  // The rules and importer parts are built in parallel: call them through their contract.
  private get rulesApi(): RulesApi {
    return this.rules as unknown as RulesApi;
  }
  private get importerApi(): Pick<CbamImporter, 'declaration'> {
    return this.importer as unknown as Pick<CbamImporter, 'declaration'>;
  }

  /**
   * The organisation a call is about: `org` (id or slug), or the caller's only organisation.
   * A caller who is not a member is refused; 'system' (the local operator) may name any.
   */
  async resolveOrg(viewer: Viewer, org: string | undefined): Promise<string> {
    let orgId: string | null;
    if (org !== undefined && org !== '') {
      orgId = await store.orgIdOf(this.deps.db, org);
      if (!orgId)
        throw new AppError('not_found', `org: no organisation "${org.slice(0, 64)}"`, { field: 'org' });
    } else {
      const mine = viewer === 'system' ? [] : [...new Set(viewer.memberships.map((m) => m.orgId))];
      if (mine.length !== 1)
        throw new AppError('bad_request', 'org: name the organisation (id or slug)', { field: 'org' });
      orgId = mine[0]!;
    }
    if (!isMember(viewer, orgId))
      throw new AppError('forbidden', 'org: you are not a member of this organisation', { field: 'org' });
    return orgId;
  }

  /** Imports a price series (all rows or none); periods already held are replaced. */
  async importPrices(viewer: Viewer, csv: string, org?: string): Promise<{ imported: number }> {
    const orgId = await this.resolveOrg(viewer, org);
    if (viewer !== 'system' && !hasRoleIn(viewer, orgId, WRITE_ROLES))
      throw new AppError('forbidden', 'importing prices needs the admin or member role', { field: 'org' });
    const prices = parsePriceCsv(csv);
    await this.deps.db.transaction((tx) => store.upsertPrices(tx, orgId, prices, actorOf(viewer)));
    return { imported: prices.length };
  }

  async listPrices(
    viewer: Viewer,
    org?: string,
    year?: number,
  ): Promise<{ orgId: string; prices: store.StoredPrice[] }> {
    const orgId = await this.resolveOrg(viewer, org);
    return { orgId, prices: await store.listPrices(this.deps.db, orgId, year) };
  }

  /** The price a year's estimate uses, from the organisation's series; null when it has none. */
  async priceOfYear(orgId: string, year: number): Promise<YearPrice | null> {
    return yearPrice(await store.listPrices(this.deps.db, orgId, year), year);
  }

  /**
   * Certificates owed for a declaration year (Regulation (EU) 2023/956 Art. 22 with Art. 31 and
   * Art. 9) and their estimated cost. `eurRates` converts carbon prices paid in other currencies.
   */
  async owed(
    viewer: Viewer,
    orgId: string,
    year: number,
    options: { eurRates?: EurRates } = {},
  ): Promise<OwedAnswer> {
    if (!Number.isInteger(year) || year < FIRST_YEAR || year > 2100)
      throw new AppError('bad_request', `year: certificates are owed from ${FIRST_YEAR} on`, {
        field: 'year',
      });
    if (!isMember(viewer, orgId))
      throw new AppError('forbidden', 'org: you are not a member of this organisation', { field: 'org' });
    const eurRates = options.eurRates ? parseInput(EurRatesInput, options.eurRates) : {};
    const declaration = parseInput(Declaration, await this.importerApi.declaration(viewer, orgId, year));
    const price = await this.priceOfYear(orgId, year);
    const timeline = {
      certificatesOnSaleFrom: CERTIFICATES_ON_SALE_FROM,
      declarationDue: declarationDue(year),
      surrenderBy: declarationDue(year),
    };
    const notes: string[] = [];
    if (!price) notes.push(`no EU ETS price imported for ${year}: certificates without a cost`);
    else if (!price.complete)
      notes.push(
        `the price series of ${year} is incomplete (${price.periods} ${price.kind} price(s)): the mean covers those only`,
      );

    if (declaration.deMinimis?.exempt) {
      return {
        orgId,
        year,
        exempt: true,
        exemptReason:
          declaration.deMinimis.reason ??
          declaration.deMinimis.explanation ??
          'under the de-minimis threshold (Regulation (EU) 2023/956 Art. 2a as amended by (EU) 2025/2083): no certificates are owed',
        price,
        lines: [],
        totals: {
          embedded: '0',
          freeAllocationAdjustment: '0',
          carbonPriceDeduction: '0',
          certificatesExact: '0',
          certificatesToSurrender: '0',
          costEur: eur(0),
        },
        timeline,
        notes,
      };
    }

    const share = await this.rulesApi.freeAllocationShare(year);
    const lines: OwedLine[] = [];
    for (const l of declaration.lines) {
      const route = l.route ?? null;
      const bm = await this.rulesApi.benchmark(l.cn, route, year);
      const c = lineCertificates({
        embedded: l.total,
        netMass: l.netMass,
        share,
        benchmark: bm?.value ?? null,
        carbonPricePaid: l.carbonPricePaid ?? [],
        cbamPrice: price?.eurPerCertificate ?? null,
        eurRates,
      });
      lines.push({
        cn: l.cn,
        country: l.country,
        sector: l.sector ?? null,
        route,
        netMass: new D(l.netMass).toFixed(),
        embedded: c.embedded,
        freeAllocationShare: new D(share).toFixed(),
        benchmark: bm?.value ?? null,
        benchmarkSource: bm?.source ?? null,
        freeAllocationAdjustment: c.freeAllocationAdjustment,
        carbonPriceDeduction: c.carbonPriceDeduction,
        certificates: c.certificates,
        costEur: price ? eur(new D(c.certificates).times(price.eurPerCertificate)) : null,
        notes: c.notes,
      });
    }
    const sum = (k: 'embedded' | 'freeAllocationAdjustment' | 'carbonPriceDeduction' | 'certificates') =>
      lines.reduce((s, l) => s.plus(l[k]), new D(0));
    const exact = sum('certificates');
    const whole = wholeCertificates(exact);
    return {
      orgId,
      year,
      exempt: false,
      exemptReason: null,
      price,
      lines,
      totals: {
        embedded: sum('embedded').toFixed(),
        freeAllocationAdjustment: sum('freeAllocationAdjustment').toFixed(),
        carbonPriceDeduction: sum('carbonPriceDeduction').toFixed(),
        certificatesExact: exact.toFixed(),
        certificatesToSurrender: whole,
        costEur: price ? eur(new D(whole).times(price.eurPerCertificate)) : null,
      },
      timeline,
      notes,
    };
  }

  /** A product line year by year, 2026–2034, as free allocation falls to zero. */
  async projection(viewer: Viewer, input: unknown): Promise<ProjectionAnswer> {
    const p = parseInput(ProjectionInput, input);
    const notes: string[] = [];
    let base: string;
    let priceBasis: string;
    if (p.priceEur !== undefined) {
      base = p.priceEur;
      priceBasis =
        p.priceGrowthPerYear === undefined
          ? `flat EUR ${eur(base)} per certificate`
          : `EUR ${eur(base)} in ${FIRST_YEAR}, growing ${new D(p.priceGrowthPerYear).times(100).toFixed()}% a year`;
    } else {
      const orgId = await this.resolveOrg(viewer, p.org);
      const series = await store.listPrices(this.deps.db, orgId);
      const latestYear = series.length ? Number(series[series.length - 1]!.periodStart.slice(0, 4)) : null;
      const yp = latestYear === null ? null : yearPrice(series, latestYear);
      if (!yp)
        throw new AppError('bad_request', 'priceEur: give a price, or import an EU ETS price series first', {
          field: 'priceEur',
        });
      base = yp.eurPerCertificate;
      priceBasis = `EUR ${base} per certificate (${yp.rule})${p.priceGrowthPerYear === undefined ? ', flat' : `, growing ${new D(p.priceGrowthPerYear).times(100).toFixed()}% a year`}`;
    }
    const route = p.route ?? null;
    const benchmark = await this.rulesApi.benchmark(p.cn, route, FIRST_YEAR);
    if (!benchmark) notes.push(`no EU benchmark for CN ${p.cn}: no free-allocation adjustment`);
    const scope = p.seeIndirect === undefined ? null : await this.rulesApi.scope(p.cn);
    const rows: ProjectionRow[] = [];
    for (let year = FIRST_YEAR; year <= LAST_PROJECTION_YEAR; year++) {
      let see = new D(p.seeDirect);
      if (p.seeIndirect !== undefined && scope?.sector) {
        const snap = await this.rulesApi.snapshot(year);
        if (snap.countsIndirect(scope.sector)) see = see.plus(p.seeIndirect);
        else if (year === FIRST_YEAR)
          notes.push(`indirect emissions do not count for ${scope.sector} (${year})`);
      }
      // Benchmarks are set per allocation period, so each year asks for its own.
      const bmYear = year === FIRST_YEAR ? benchmark : await this.rulesApi.benchmark(p.cn, route, year);
      rows.push(
        projectYear(
          {
            year,
            share: await this.rulesApi.freeAllocationShare(year),
            see: see.toFixed(),
            benchmark: bmYear?.value ?? null,
            priceEur: projectedPrice(base, p.priceGrowthPerYear ?? null, year),
          },
          p.tonnesPerYear,
          p.carbonPricePaidEurPerT ?? null,
        ),
      );
    }
    return {
      cn: p.cn,
      country: p.country,
      route,
      sector: scope?.sector ?? null,
      benchmark,
      priceBasis,
      rows,
      totals: {
        certificates: rows.reduce((s, r) => s.plus(r.wholeCertificates), new D(0)).toFixed(),
        costEur: eur(rows.reduce((s, r) => s.plus(r.costEur), new D(0))),
      },
      notes,
    };
  }
}
