export { Article6Service, article6References, type Viewer as Article6Viewer } from './service.js';
export { article6Migrations } from './schema.js';
export { article6Routes } from './routes.js';
export { article6Commands } from './cli.js';
export { seedArticle6Demo, DEMO_APPROACH, DEMO_LOA } from './demo.js';
export { computeAef, type AefReport } from './aef.js';
export { aefWorkbook, AEF_SHEETS } from './xlsx.js';
