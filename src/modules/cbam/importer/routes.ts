import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../kernel/http.js';
import type { CbamServices } from '../services.js';

export function importerRoutes(_app: OpenAPIHono<AppEnv>, _services: CbamServices): void {}
