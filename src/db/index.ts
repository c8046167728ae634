export { openDb, type Db, type Queryable, type OpenDbOptions } from './db.js';
export { migrate, type Migration } from './migrate.js';
