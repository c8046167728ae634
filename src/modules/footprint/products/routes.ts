import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../kernel/http.js';
import type { ProductService } from './service.js';

// SKELETON: routes under /api/v1/footprint/products..., /api/v1/footprint/calculate
export function productRoutes(_app: OpenAPIHono<AppEnv>, _svc: ProductService): void {}
