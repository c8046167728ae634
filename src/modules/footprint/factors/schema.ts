import type { Migration } from '../../../db/index.js';

// SKELETON: the factor-library engineer replaces this file.
export const factorMigrations: Migration[] = [];
