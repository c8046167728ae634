import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../kernel/http.js';
import type { FactorService } from './service.js';

// SKELETON: routes under /api/v1/footprint/factors...
export function factorRoutes(_app: OpenAPIHono<AppEnv>, _svc: FactorService): void {}
