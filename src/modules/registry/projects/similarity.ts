/**
 * Name similarity and distance for double-issuance screening.
 *
 * `trigramSimilarity` follows PostgreSQL's pg_trgm: each word is lower-cased, padded with two
 * spaces before and one after, and cut into 3-character pieces; the score is
 * |shared| / |union| of the two sets. pg_trgm is not loaded in PGlite by default, so the same
 * rule runs here, identically on both databases.
 */
export function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  const words = text
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  for (const w of words) {
    const chars = [' ', ' ', ...w, ' '];
    for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(''));
  }
  return out;
}

export function trigramSimilarity(a: string, b: string): number {
  const x = trigrams(a);
  const y = trigrams(b);
  if (x.size === 0 || y.size === 0) return 0;
  let shared = 0;
  for (const t of x) if (y.has(t)) shared++;
  return shared / (x.size + y.size - shared);
}

const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in kilometres (haversine, mean Earth radius). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = rad(lat2 - lat1);
  const dLon = rad(lon2 - lon1);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Two inclusive date ranges ('YYYY-MM-DD') share at least one day; an open end is unbounded. */
export function periodsOverlap(
  a: { starts: string | null; ends: string | null },
  b: { starts: string | null; ends: string | null },
): boolean {
  const aStart = a.starts ?? '0000-01-01';
  const aEnd = a.ends ?? '9999-12-31';
  const bStart = b.starts ?? '0000-01-01';
  const bEnd = b.ends ?? '9999-12-31';
  return aStart <= bEnd && bStart <= aEnd;
}

/** Names this similar (pg_trgm's default threshold is 0.3; 0.5 keeps false alarms down) are flagged. */
export const NAME_THRESHOLD = 0.5;
/** Sites this close are flagged, whatever their names. */
export const DISTANCE_KM = 2;

export interface Candidate {
  name: string;
  country: string;
  sector: string;
  periods: { starts: string | null; ends: string | null }[];
  latitude: number | null;
  longitude: number | null;
}

export interface Match {
  reasons: string[];
  nameScore: number;
  distanceKm: number | null;
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * A look-alike: same country, same sector, overlapping crediting periods, and a similar name or
 * a site within DISTANCE_KM. Null when it is not one.
 */
export function compare(project: Candidate, other: Candidate): Match | null {
  if (project.country !== other.country || norm(project.sector) !== norm(other.sector)) return null;
  const overlap = project.periods.some((p) => other.periods.some((o) => periodsOverlap(p, o)));
  if (!overlap) return null;
  const nameScore = trigramSimilarity(project.name, other.name);
  const distanceKm =
    project.latitude !== null &&
    project.longitude !== null &&
    other.latitude !== null &&
    other.longitude !== null
      ? haversineKm(project.latitude, project.longitude, other.latitude, other.longitude)
      : null;
  const reasons = ['same country and sector', 'overlapping crediting periods'];
  if (nameScore >= NAME_THRESHOLD) reasons.push(`similar name (trigram ${nameScore.toFixed(2)})`);
  if (distanceKm !== null && distanceKm <= DISTANCE_KM)
    reasons.push(`sites ${distanceKm.toFixed(2)} km apart`);
  return reasons.length > 2 ? { reasons, nameScore, distanceKm } : null;
}
