import type { Migration } from '../../../db/index.js';

export const costMigrations: Migration[] = [];
