import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Db, Queryable } from '../../../db/index.js';
import { AppError } from '../../../kernel/errors.js';
import { dataFile } from '../../../kernel/paths.js';
import { ReleaseSlug, ReleaseVersion } from './model.js';
import { parseFactorCsv } from './parse.js';
import * as store from './store.js';

/** data/factors/manifest.json: the shipped releases, each a CSV in the import schema with a SOURCE note. */
export const ManifestEntry = z.object({
  slug: ReleaseSlug,
  version: ReleaseVersion,
  name: z.string().min(1).max(200),
  file: z.string().regex(/^[a-z0-9][a-z0-9._-]*\.csv$/),
  source: z.string().min(1).max(500),
  licence: z.string().min(1).max(200),
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export function readManifest(): ManifestEntry[] {
  const text = readFileSync(dataFile('factors', 'manifest.json'), 'utf8');
  const parsed = z.array(ManifestEntry).safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new AppError('internal', `data/factors/manifest.json: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** A version not taken yet: the manifest's, or with the content hash appended when the file changed under it. */
async function freeVersion(tx: Queryable, slug: string, version: string, checksum: string): Promise<string> {
  if (!(await store.versionExists(tx, slug, version))) return version;
  return `${version.slice(0, 27)}+${checksum.slice(0, 12)}`;
}

/**
 * Loads the shipped releases as shared public data, published, at every start after the
 * migrations. Idempotent by content hash: an unchanged file is skipped; a changed one becomes a
 * new version of its release, and the old version stays (footprints may name its factors).
 * One transaction for all of them; a bad shipped file stops the start, naming its line.
 */
export async function loadFactorData(db: Db): Promise<string[]> {
  const manifest = readManifest();
  const loaded: string[] = [];
  await db.transaction(async (tx) => {
    // Two servers starting at once on one database: the second waits, then finds the data loaded.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('greentrade.factor-data'))");
    for (const m of manifest) {
      const path = dataFile('factors', m.file);
      if (!existsSync(path))
        throw new AppError('internal', `data/factors/${m.file} is in the manifest but absent`);
      const bytes = readFileSync(path);
      const fileHash = createHash('sha256').update(JSON.stringify(m)).update(bytes).digest('hex');
      if ((await store.shippedFileHash(tx, m.file)) === fileHash) continue;
      await store.recordShippedFile(tx, m.file, fileHash);
      const parsed = parseFactorCsv(bytes.toString('utf8'), `data/factors/${m.file}`, {
        source: m.source,
        licence: m.licence,
      });
      const owner = await store.slugOwner(tx, m.slug);
      if (owner && owner.owner_org_id !== null)
        throw new AppError('internal', `factor release slug ${m.slug} is taken by an organisation`);
      const latest = await store.latestPublished(tx, m.slug);
      if (latest?.checksum === parsed.checksum) continue;
      const version = await freeVersion(tx, m.slug, m.version, parsed.checksum);
      const id = await store.insertRelease(tx, {
        slug: m.slug,
        version,
        name: m.name,
        ownerOrgId: null,
        source: m.source,
        licence: m.licence,
        checksum: parsed.checksum,
        factorCount: parsed.factors.length,
        createdBy: `data/factors/${m.file}`,
      });
      await store.insertFactors(tx, id, parsed.factors);
      await store.markPublished(tx, id, null);
      loaded.push(`factors:${m.slug}@${version}`);
    }
  });
  return loaded;
}
