import type { Db } from '../../../db/index.js';

// SKELETON: loads the shipped factor releases from data/factors/ (manifest), once per checksum.
export async function loadFactorData(_db: Db): Promise<string[]> {
  return [];
}
