import { OpenAPIHono, createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { allows, describeAccess, type Access, type Principal } from './access.js';
import { AppError } from './errors.js';

export type AppEnv = {
  Variables: { principal: Principal | null; requestId: string; log: Logger };
};

/** Every route's body limit unless it says otherwise. */
export const DEFAULT_MAX_BODY = 1 << 20;

/** `METHOD path` of every route declared through `route()`, in Hono's `:param` form. */
const declared = new Set<string>();
export const routeKey = (method: string, path: string): string =>
  `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`;
/** Declares a public route that is not an OpenAPI operation (the API document itself, its reference page). */
export const declarePublic = (method: string, path: string): void => {
  declared.add(routeKey(method, path));
};
export const isDeclared = (method: string, path: string): boolean => declared.has(routeKey(method, path));

const guard =
  (access: Access): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const verdict = allows(access, c.get('principal'));
    if (verdict === 'unauthenticated') throw new AppError('unauthorized', 'sign in or send a bearer token');
    if (verdict === 'forbidden')
      throw new AppError('forbidden', `this needs one of the roles ${describeAccess(access)}`);
    await next();
  };

/**
 * The only way to make an API route: it must say who may call it (`access`). The access is
 * enforced by a middleware, written into the OpenAPI document, and the server refuses to start
 * with an /api route that did not come through here (see assertAllRoutesDeclared).
 */
export function route<const R extends Omit<RouteConfig, 'middleware' | 'security'>>(
  config: R & { access: Access; maxBodyBytes?: number },
): R & { middleware: MiddlewareHandler<AppEnv>[] } {
  const { access, maxBodyBytes = DEFAULT_MAX_BODY, ...rest } = config;
  if (!access) throw new Error(`route ${config.method} ${config.path} declares no access`);
  declared.add(routeKey(config.method, config.path));
  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new AppError('payload_too_large', `the request body is over ${maxBodyBytes} bytes`);
    },
  });
  return createRoute({
    ...rest,
    middleware: [guard(access), limit],
    ...('public' in access ? {} : { security: [{ bearerAuth: [] }, { sessionCookie: [] }] }),
    'x-access': describeAccess(access),
  } as unknown as RouteConfig) as unknown as R & { middleware: MiddlewareHandler<AppEnv>[] };
}

/** Zod errors become one AppError naming the first field at fault. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue?.path.join('.') || undefined;
        throw new AppError(
          'validation_failed',
          `${field ? field + ': ' : ''}${issue?.message ?? 'invalid input'}`,
          {
            ...(field === undefined ? {} : { field }),
            details: {
              issues: result.error.issues
                .slice(0, 20)
                .map((i) => ({ path: i.path.join('.'), message: i.message })),
            },
          },
        );
      }
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ example: 'not_found' }),
        message: z.string(),
        field: z.string().optional(),
      })
      .loose(),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** The error responses every authenticated route may give. */
export const commonErrors = {
  400: errorResponse('Malformed input; `field` names it'),
  401: errorResponse('Not signed in'),
  403: errorResponse('Signed in, but not allowed'),
} as const;
export const notFound = { 404: errorResponse('Not found') } as const;
export const conflict = { 409: errorResponse('Conflicts with the current state') } as const;

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * The `Idempotency-Key` request header of writes that must be safe to retry (registry moves): a
 * retried request with the same key answers the first result and writes nothing. Node lower-cases
 * header names, so the schema's key is lower case.
 */
export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().trim().min(1).max(200).optional().openapi({
    description: 'Makes a retried request safe: the same key answers the first result and writes nothing',
    example: '4d1f7c7e-2b6a-4c1e-9d55-0a7f3b1e2c44',
  }),
});

export { z };
