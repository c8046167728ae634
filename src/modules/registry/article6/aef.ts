/**
 * The UNFCCC Agreed Electronic Format (AEF) report of one Party for one calendar year, computed
 * from plain data (letters, markings, corresponding adjustments, the transactions that moved ITMO
 * serials). Plain functions: the service loads the rows, this lays them out; the tables and
 * column names are the AEF template's (Table 1 Submission, Table 2 Authorizations, Table 3
 * Actions, Table 4 Holdings, Table 5 Auth. entities), see docs/registry-article6.md.
 */
import { AEF_FIRST_TRANSFER_OIMP, type FirstTransferOimp, type Use } from './model.js';
import { alpha3 } from './parties.js';

export interface Range {
  start: bigint;
  end: bigint;
}

export interface AefLoa {
  id: string;
  code: string;
  approachCode: string;
  hostParty: string;
  acquiringParty: string | null;
  uses: Use[];
  oimpPurpose: string | null;
  firstTransferOimp: FirstTransferOimp | null;
  sector: string;
  activityType: string;
  mitigationType: string;
  metric: string;
  authorizedQuantity: bigint | null;
  validFrom: string;
  validUntil: string;
  vintageFrom: number | null;
  vintageTo: number | null;
  documentName: string;
  documentSha256: string;
  terms: string;
  version: number;
  createdAt: Date;
  revokedAt: Date | null;
  revokeReason: string | null;
}

export interface AefTx {
  id: string;
  kind: string;
  fromAccount: string | null;
  toAccount: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
  /** Order of the transactions (time, then ledger index). */
  seq: number;
}

export interface AefTxRange extends Range {
  transactionId: string;
  issuanceId: string;
}

export interface AefMarking {
  authorizationId: string;
  transactionId: string;
}

export interface AefAdjustment extends Range {
  id: string;
  authorizationId: string;
  transactionId: string;
  createdAt: Date;
}

export interface AefIssuance {
  id: string;
  vintage: number;
  projectCode: string;
  unitType: string;
  hostCountry: string;
}

export interface AefAccount {
  id: string;
  kind: string;
  national: boolean;
}

export interface AefData {
  loas: AefLoa[];
  markings: AefMarking[];
  adjustments: AefAdjustment[];
  transactions: AefTx[];
  ranges: AefTxRange[];
  issuances: AefIssuance[];
  accounts: AefAccount[];
}

export type Cell = string | number | Date | null;
export type Row = Record<string, Cell>;

export interface AefReport {
  party: string;
  year: number;
  submission: Row;
  authorizations: Row[];
  actions: Row[];
  holdings: Row[];
  authorizedEntities: Row[];
}

/** Column names of the AEF template (decision 6/CMA.4 annex VII, as revised at CMA.6). */
export const SUBMISSION_FIELDS = [
  'Party',
  'Version',
  'Reported year',
  'Date of submission',
  'Review status of the initial report',
  'Result of the consistency check of this AEF submission',
  'First year of the NDC implementation period',
  'Last year of the NDC implementation period',
  'Reference to the Article 6 technical expert review report of the initial report',
] as const;

export const AUTHORIZATION_COLUMNS = [
  'Authorization ID',
  'Date of authorization',
  'Cooperative approach ID',
  'Version of the authorization',
  'Authorized quantity',
  'Metric',
  'Applicable GWP value(s)',
  'Applicable non-GHG metric',
  'Sector(s)',
  'Activity type(s)',
  'Purposes for authorization',
  'Authorized Party(ies) ID',
  'Authorized entity(ies) ID',
  'OIMP authorized by the Party',
  'Authorized timeframe',
  'Authorization terms and conditions',
  'Authorization documentation',
  'First transfer definition for OIMP',
  'Additional explanatory information',
] as const;

export const ACTION_COLUMNS = [
  'Action date',
  'Action type',
  'Action subtype',
  'Cooperative approach ID',
  'Authorization ID',
  'First transferring participating Party ID',
  'Party ITMO registry ID',
  'First ID',
  'Last ID',
  'Underlying unit registry ID',
  'First unit ID',
  'Last unit ID',
  'Metric',
  'Applicable GWP value(s)',
  'Applicable non-GHG metric',
  'Quantity (t CO2 eq)',
  'Quantity (in non-GHG metric)',
  'Mitigation type',
  'Vintage',
  'Transferring participating Party ID',
  'Acquiring participating Party ID',
  'Purpose for which the ITMO has been used towards or cancelled for OIMP',
  'Using/cancelling participating Party ID',
  'Using/cancelling authorized entity ID',
  "Calendar year for which the ITMOs are used towards the Party's NDC",
  'Result of the consistency checks',
  'Additional explanatory information',
] as const;

export const HOLDING_COLUMNS = [
  'Cooperative approach ID',
  'Authorization ID',
  'First transferring participating Party ID',
  'Party ITMO registry ID',
  'First ID',
  'Last ID',
  'Underlying unit registry ID',
  'First unit ID',
  'Last unit ID',
  'Metric',
  'Applicable GWP value(s)',
  'Applicable non-GHG metric',
  'Quantity (t CO2 eq)',
  'Quantity (in non-GHG metric)',
  'Mitigation type',
  'Vintage',
] as const;
/** Columns GreenTrade adds after the template's last holdings column (the breakdown the registry keeps). */
export const HOLDING_EXTRA_COLUMNS = [
  'Account type',
  'Unit state',
  'Sector(s)',
  'Activity type(s)',
  'First transferred',
  'GreenTrade serial',
] as const;

export const AUTHORIZED_ENTITY_COLUMNS = [
  'Date of the authorization',
  'Name',
  'Country of incorporation',
  'Identification number',
  'Cooperative approach ID',
  'Conditions',
  'Change and revocation conditions',
  'Additional explanatory information',
] as const;

const NA = 'NA';
/** Decision 18/CMA.1 annex para 37: AR5 100-year GWP values. */
const GWP = 'AR5 GWP100';
const CARP = '{Information in this field is populated by the CARP}';

/** The Party ITMO registry ID of this registry for a host Party: its alpha-3 code and 01. */
export const registryIdOf = (hostParty: string): string => `${alpha3(hostParty)}01`;

/** State of units after a transaction of this kind (the unit engine's moves). */
const STATE_AFTER: Record<string, string> = {
  issuance: 'held',
  import: 'held',
  transfer: 'held',
  retirement: 'retired',
  cancellation: 'cancelled',
  'ndc-use': 'cancelled',
  buffer: 'buffer',
  export: 'pending_export',
  'export-confirmed': 'exported',
  'export-reverted': 'held',
  expiry: 'expired',
};

const size = (r: Range): bigint => r.end - r.start + 1n;
const overlap = (a: Range, b: Range): Range | null => {
  const start = a.start > b.start ? a.start : b.start;
  const end = a.end < b.end ? a.end : b.end;
  return start <= end ? { start, end } : null;
};
/** `r` minus every range in `cut`. */
function subtract(r: Range, cut: readonly Range[]): Range[] {
  let parts: Range[] = [r];
  for (const c of cut)
    parts = parts.flatMap((p) => {
      if (c.end < p.start || c.start > p.end) return [p];
      const out: Range[] = [];
      if (c.start > p.start) out.push({ start: p.start, end: c.start - 1n });
      if (c.end < p.end) out.push({ start: c.end + 1n, end: p.end });
      return out;
    });
  return parts;
}
/** Whole numbers of units as numbers in the sheet while they are exact; text beyond 2^53. */
const num = (n: bigint): number | string => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString());
const a6 = (t: AefTx): Record<string, unknown> =>
  (t.details['article6'] as Record<string, unknown> | undefined) ?? {};
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const purposesOf = (uses: readonly Use[]): string =>
  uses.includes('ndc') && uses.includes('oimp') ? 'NDC and OIMP' : uses.includes('ndc') ? 'NDC' : 'OIMP';
const dmy = (d: string): string => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

export interface AefPiece extends Range {
  loa: AefLoa;
  issuance: AefIssuance;
  /** The marking transaction: moves before it were not moves of ITMOs. */
  markedTx: string;
  markedSeq: number;
}

/**
 * The AEF report of `party` (alpha-2) for calendar year `year` (UTC). Actions are those dated in
 * the year; holdings are as at 31 December, replayed from the transactions up to then.
 */
export function computeAef(
  data: AefData,
  party: string,
  year: number,
  options: {
    submittedOn: Date;
    ndcFirstYear: number;
    ndcLastYear: number;
    serialOf: (p: AefPiece) => string;
  },
): AefReport {
  const start = new Date(Date.UTC(year, 0, 1));
  const end = new Date(Date.UTC(year + 1, 0, 1));
  const inYear = (d: Date) => d >= start && d < end;
  const txById = new Map(data.transactions.map((t) => [t.id, t]));
  const loaById = new Map(data.loas.map((l) => [l.id, l]));
  const issById = new Map(data.issuances.map((i) => [i.id, i]));
  const accountById = new Map(data.accounts.map((a) => [a.id, a]));
  const rangesOf = new Map<string, AefTxRange[]>();
  for (const r of data.ranges) rangesOf.set(r.transactionId, [...(rangesOf.get(r.transactionId) ?? []), r]);

  // The marked (ITMO) ranges, each with its letter and the moment it was marked.
  const itmo: AefPiece[] = [];
  for (const m of data.markings) {
    const loa = loaById.get(m.authorizationId);
    const tx = txById.get(m.transactionId);
    if (!loa || !tx) continue;
    for (const r of rangesOf.get(m.transactionId) ?? []) {
      const issuance = issById.get(r.issuanceId);
      if (issuance)
        itmo.push({ start: r.start, end: r.end, loa, issuance, markedTx: tx.id, markedSeq: tx.seq });
    }
  }
  /** The ITMO parts of a transaction's range (marked before it). */
  const itmoParts = (tx: AefTx, r: Range): AefPiece[] =>
    itmo.flatMap((p) => {
      if (p.markedSeq >= tx.seq) return [];
      const o = overlap(p, r);
      return o ? [{ ...p, ...o }] : [];
    });

  const host3 = (l: AefLoa) => alpha3(l.hostParty);
  const ids = (p: AefPiece, r: Range) => {
    const reg = registryIdOf(p.loa.hostParty);
    const id = (serial: bigint) =>
      `${p.loa.approachCode}-${reg}-${host3(p.loa)}-${serial}-${p.issuance.vintage}`;
    return { 'Party ITMO registry ID': reg, 'First ID': id(r.start), 'Last ID': id(r.end) };
  };
  const actionRow = (
    date: Date,
    type: string,
    subtype: string | null,
    p: AefPiece,
    fields: Partial<Record<(typeof ACTION_COLUMNS)[number], Cell>>,
    note: string,
  ): Row => ({
    'Action date': date,
    'Action type': type,
    'Action subtype': subtype,
    'Cooperative approach ID': p.loa.approachCode,
    'Authorization ID': p.loa.code,
    'First transferring participating Party ID': host3(p.loa),
    ...ids(p, p),
    'Underlying unit registry ID': NA,
    'First unit ID': NA,
    'Last unit ID': NA,
    Metric: p.loa.metric,
    'Applicable GWP value(s)': GWP,
    'Applicable non-GHG metric': NA,
    'Quantity (t CO2 eq)': num(size(p)),
    'Quantity (in non-GHG metric)': NA,
    'Mitigation type': p.loa.mitigationType,
    Vintage: p.issuance.vintage,
    'Transferring participating Party ID': NA,
    'Acquiring participating Party ID': NA,
    'Purpose for which the ITMO has been used towards or cancelled for OIMP': NA,
    'Using/cancelling participating Party ID': NA,
    'Using/cancelling authorized entity ID': NA,
    "Calendar year for which the ITMOs are used towards the Party's NDC": NA,
    'Result of the consistency checks': null,
    ...fields,
    'Additional explanatory information': `${options.serialOf(p)}; ${note}`,
  });

  /** The acquiring Party of a move: named in the transaction, or (for a first transfer) the letter's. */
  const acquirerOf = (tx: AefTx, loa: AefLoa, first: boolean): string | null => {
    if (tx.kind === 'ndc-use') return str(a6(tx)['party']);
    if (tx.kind === 'transfer' || tx.kind === 'export')
      return str(tx.details['acquiringParty']) ?? (first ? loa.acquiringParty : null);
    return null;
  };
  const subtypeOf = (tx: AefTx, loa: AefLoa): string => {
    if (tx.kind === 'authorization')
      return loa.firstTransferOimp === 'issuance' ? 'Issuance' : 'Authorization';
    if (tx.kind === 'ndc-use' || tx.kind === 'cancellation') return 'Use or cancellation';
    return 'First transfer to another Party';
  };

  const actions: Row[] = [];
  // Authorisation: units marked as ITMOs under the Party's letters.
  for (const m of data.markings) {
    const tx = txById.get(m.transactionId);
    const loa = loaById.get(m.authorizationId);
    if (!tx || !loa || loa.hostParty !== party || !inYear(tx.createdAt)) continue;
    for (const p of itmo.filter((x) => x.markedTx === tx.id && x.loa === loa))
      actions.push(actionRow(tx.createdAt, 'Authorization', null, p, {}, `transaction ${tx.id}`));
  }
  // First transfers: the corresponding adjustments the Party records as host.
  const caByTx = new Map<string, AefAdjustment[]>();
  for (const ca of data.adjustments)
    caByTx.set(ca.transactionId, [...(caByTx.get(ca.transactionId) ?? []), ca]);
  for (const ca of data.adjustments) {
    const loa = loaById.get(ca.authorizationId);
    const tx = txById.get(ca.transactionId);
    if (!loa || !tx || !inYear(ca.createdAt)) continue;
    const pieces = itmo.flatMap((p) => {
      const o = p.loa === loa ? overlap(p, ca) : null;
      return o ? [{ ...p, ...o }] : [];
    });
    const acquirer = acquirerOf(tx, loa, true);
    const oimp = !loa.uses.includes('ndc');
    for (const p of pieces) {
      if (loa.hostParty === party)
        actions.push(
          actionRow(
            ca.createdAt,
            'First transfer',
            subtypeOf(tx, loa),
            p,
            {
              'Acquiring participating Party ID': acquirer && !oimp ? alpha3(acquirer) : NA,
              'Purpose for which the ITMO has been used towards or cancelled for OIMP': oimp
                ? (loa.oimpPurpose ?? 'OIMP')
                : NA,
            },
            `first transfer in transaction ${tx.id} (${tx.kind}); corresponding adjustment ${ca.id}`,
          ),
        );
      else if (acquirer === party && (tx.kind === 'transfer' || tx.kind === 'export'))
        actions.push(
          actionRow(
            ca.createdAt,
            'Acquisition',
            null,
            p,
            { 'Transferring participating Party ID': host3(loa) },
            `transaction ${tx.id}`,
          ),
        );
    }
  }
  // Later transfers, acquisitions, uses and cancellations.
  for (const tx of data.transactions) {
    if (!inYear(tx.createdAt)) continue;
    // A first transfer by transfer is reported as "First transfer" (above), not again as "Transfer";
    // a first transfer by use or cancellation is still the using Party's use or cancellation.
    const adjusted = tx.kind === 'transfer' || tx.kind === 'export' ? (caByTx.get(tx.id) ?? []) : [];
    for (const r of rangesOf.get(tx.id) ?? [])
      for (const whole of itmoParts(tx, r))
        for (const part of subtract(whole, adjusted)) {
          const p = { ...whole, ...part };
          const info = a6(tx);
          if (tx.kind === 'transfer' || tx.kind === 'export') {
            const acquirer = acquirerOf(tx, p.loa, false);
            if (p.loa.hostParty === party)
              actions.push(
                actionRow(
                  tx.createdAt,
                  'Transfer',
                  null,
                  p,
                  { 'Acquiring participating Party ID': acquirer ? alpha3(acquirer) : NA },
                  `transaction ${tx.id}`,
                ),
              );
            else if (acquirer === party)
              actions.push(
                actionRow(
                  tx.createdAt,
                  'Acquisition',
                  null,
                  p,
                  { 'Transferring participating Party ID': host3(p.loa) },
                  `transaction ${tx.id}`,
                ),
              );
          } else if (tx.kind === 'ndc-use' && info['party'] === party) {
            actions.push(
              actionRow(
                tx.createdAt,
                'Use',
                null,
                p,
                {
                  'Using/cancelling participating Party ID': alpha3(party),
                  'Using/cancelling authorized entity ID': str(info['entity']) ?? NA,
                  "Calendar year for which the ITMOs are used towards the Party's NDC":
                    typeof info['year'] === 'number' ? info['year'] : NA,
                },
                `transaction ${tx.id}; NDC period ${str(info['ndcPeriod']) ?? 'not given'}`,
              ),
            );
          } else if (tx.kind === 'cancellation' && info['party'] === party) {
            actions.push(
              actionRow(
                tx.createdAt,
                info['voluntary'] === true ? 'Voluntary Cancellation' : 'Cancellation',
                null,
                p,
                {
                  'Purpose for which the ITMO has been used towards or cancelled for OIMP':
                    str(info['purpose']) ?? p.loa.oimpPurpose ?? 'OIMP',
                  'Using/cancelling participating Party ID': alpha3(party),
                  'Using/cancelling authorized entity ID': str(info['entity']) ?? NA,
                },
                `transaction ${tx.id}`,
              ),
            );
          }
        }
  }
  actions.sort(
    (a, b) =>
      (a['Action date'] as Date).getTime() - (b['Action date'] as Date).getTime() ||
      String(a['First ID']).localeCompare(String(b['First ID'])),
  );

  // Holdings at 31 December: every ITMO piece, with the last transaction that moved it by then.
  const before = data.transactions.filter((t) => t.createdAt < end);
  const beforeIds = new Set(before.map((t) => t.id));
  const moves = data.ranges.filter((r) => {
    const t = txById.get(r.transactionId);
    return t !== undefined && beforeIds.has(t.id) && t.kind !== 'authorization';
  });
  const cas = data.adjustments.filter((c) => c.createdAt < end);
  const cuts = new Set<bigint>();
  for (const r of [...moves, ...cas]) {
    cuts.add(r.start);
    cuts.add(r.end + 1n);
  }
  const sortedCuts = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  interface Held extends Range {
    loa: AefLoa;
    issuance: AefIssuance;
    key: string;
    accountType: string;
    state: string;
    first: boolean;
  }
  const held: Held[] = [];
  for (const p of itmo) {
    const marked = txById.get(p.markedTx);
    if (!marked || marked.createdAt >= end) continue;
    if (p.loa.revokedAt && p.loa.revokedAt < end) continue;
    const edges = [p.start, ...sortedCuts.filter((c) => c > p.start && c <= p.end), p.end + 1n];
    for (let i = 0; i + 1 < edges.length; i++) {
      const piece: Range = { start: edges[i]!, end: edges[i + 1]! - 1n };
      let last: AefTx | null = null;
      for (const r of moves)
        if (r.start <= piece.start && r.end >= piece.end) {
          const t = txById.get(r.transactionId)!;
          if (!last || t.seq > last.seq) last = t;
        }
      const account = last?.toAccount ? accountById.get(last.toAccount) : undefined;
      const user = last ? str(a6(last)['party']) : null;
      if (p.loa.hostParty !== party && user !== party) continue;
      const first = cas.some((c) => c.start <= piece.start && c.end >= piece.end);
      const accountType = account ? `${account.kind}${account.national ? ' (national)' : ''}` : 'unknown';
      const state = last ? (STATE_AFTER[last.kind] ?? last.kind) : 'held';
      const key = [p.loa.id, p.issuance.id, accountType, account?.id ?? '', state, first].join('|');
      const prev = held[held.length - 1];
      if (prev && prev.key === key && prev.end + 1n === piece.start) prev.end = piece.end;
      else held.push({ ...piece, loa: p.loa, issuance: p.issuance, key, accountType, state, first });
    }
  }
  const holdingRows: Row[] = held.map((h) => {
    const p: AefPiece = {
      start: h.start,
      end: h.end,
      loa: h.loa,
      issuance: h.issuance,
      markedTx: '',
      markedSeq: 0,
    };
    return {
      'Cooperative approach ID': h.loa.approachCode,
      'Authorization ID': h.loa.code,
      'First transferring participating Party ID': host3(h.loa),
      ...ids(p, p),
      'Underlying unit registry ID': NA,
      'First unit ID': NA,
      'Last unit ID': NA,
      Metric: h.loa.metric,
      'Applicable GWP value(s)': GWP,
      'Applicable non-GHG metric': NA,
      'Quantity (t CO2 eq)': num(size(h)),
      'Quantity (in non-GHG metric)': NA,
      'Mitigation type': h.loa.mitigationType,
      Vintage: h.issuance.vintage,
      'Account type': h.accountType,
      'Unit state': h.state,
      'Sector(s)': h.loa.sector,
      'Activity type(s)': h.loa.activityType,
      'First transferred': h.first ? 'Yes' : 'No',
      'GreenTrade serial': options.serialOf(p),
    };
  });

  // Table 2: the Party's letters of authorisation issued by the end of the year.
  const authorizations: Row[] = data.loas
    .filter((l) => l.hostParty === party && l.createdAt < end)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.code.localeCompare(b.code))
    .map((l) => ({
      'Authorization ID': l.code,
      'Date of authorization': l.createdAt,
      'Cooperative approach ID': l.approachCode,
      'Version of the authorization': l.version,
      'Authorized quantity': l.authorizedQuantity === null ? null : num(l.authorizedQuantity),
      Metric: l.metric,
      'Applicable GWP value(s)': GWP,
      'Applicable non-GHG metric': NA,
      'Sector(s)': l.sector,
      'Activity type(s)': l.activityType,
      'Purposes for authorization': purposesOf(l.uses),
      'Authorized Party(ies) ID': l.acquiringParty ? alpha3(l.acquiringParty) : null,
      'Authorized entity(ies) ID': null,
      'OIMP authorized by the Party': l.uses.includes('oimp') ? (l.oimpPurpose ?? 'OIMP') : NA,
      'Authorized timeframe':
        (l.vintageFrom !== null || l.vintageTo !== null
          ? `Occurred: from ${l.vintageFrom ?? 1990} to ${l.vintageTo ?? 2100}. `
          : '') + `Use: from ${dmy(l.validFrom)} to ${dmy(l.validUntil)}`,
      'Authorization terms and conditions': l.terms || null,
      'Authorization documentation': null,
      'First transfer definition for OIMP': l.firstTransferOimp
        ? AEF_FIRST_TRANSFER_OIMP[l.firstTransferOimp]
        : NA,
      'Additional explanatory information':
        `Letter "${l.documentName}", SHA-256 ${l.documentSha256}` +
        (l.revokedAt && l.revokedAt < end
          ? `; revoked on ${l.revokedAt.toISOString().slice(0, 10)}: ${l.revokeReason ?? ''}`
          : ''),
    }));

  return {
    party,
    year,
    submission: {
      Party: alpha3(party),
      Version: '1.0',
      'Reported year': year,
      'Date of submission': options.submittedOn,
      'Review status of the initial report': CARP,
      'Result of the consistency check of this AEF submission': CARP,
      'First year of the NDC implementation period': options.ndcFirstYear,
      'Last year of the NDC implementation period': options.ndcLastYear,
      'Reference to the Article 6 technical expert review report of the initial report': CARP,
    },
    authorizations,
    actions,
    holdings: holdingRows,
    authorizedEntities: [],
  };
}
