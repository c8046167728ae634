import type { OpenAPIHono } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { AUTHENTICATED, PUBLIC } from '../../kernel/access.js';
import { AppError } from '../../kernel/errors.js';
import { commonErrors, jsonBody, jsonResponse, route, z, type AppEnv } from '../../kernel/http.js';
import { LoginSchema, TokenResponseSchema, UserSchema } from './model.js';
import { CLIENT_TOKEN_SECONDS, type IdentityService } from './service.js';
import { FailureThrottle } from './throttle.js';

export const SESSION_COOKIE = 'gt_session';

const login = route({
  method: 'post',
  path: '/api/v1/auth/login',
  access: PUBLIC,
  tags: ['auth'],
  summary: 'Sign in with email and password; sets an httpOnly session cookie and returns the user',
  request: { body: jsonBody(LoginSchema) },
  responses: {
    200: jsonResponse(z.object({ user: UserSchema }), 'Signed in'),
    ...commonErrors,
  },
});

const logout = route({
  method: 'post',
  path: '/api/v1/auth/logout',
  access: PUBLIC,
  tags: ['auth'],
  summary: 'Sign out (clears the session cookie)',
  responses: { 204: { description: 'Signed out' } },
});

const me = route({
  method: 'get',
  path: '/api/v1/auth/me',
  access: AUTHENTICATED,
  tags: ['auth'],
  summary: 'Who is calling',
  responses: { 200: jsonResponse(z.object({ user: UserSchema }), 'The caller'), ...commonErrors },
});

const OAuthError = z
  .object({ error: z.string(), error_description: z.string().optional() })
  .openapi('OAuthError');
const TokenRequest = z
  .object({
    grant_type: z.string().max(100),
    client_id: z.string().max(200).optional(),
    client_secret: z.string().max(1024).optional(),
    scope: z.string().max(1000).optional(),
  })
  .openapi('TokenRequest');

const token = route({
  method: 'post',
  path: '/api/v1/auth/token',
  access: PUBLIC,
  tags: ['auth'],
  summary: 'OAuth2 client-credentials token (RFC 6749 §4.4); credentials by HTTP Basic or in the form',
  request: {
    body: { content: { 'application/x-www-form-urlencoded': { schema: TokenRequest } }, required: true },
  },
  responses: {
    200: jsonResponse(TokenResponseSchema, 'An access token'),
    400: jsonResponse(OAuthError, 'Malformed request or unsupported grant'),
    401: jsonResponse(OAuthError, 'Unknown client or wrong secret'),
  },
});

const jwks = route({
  method: 'get',
  path: '/api/v1/auth/jwks.json',
  access: PUBLIC,
  tags: ['auth'],
  summary: 'Public keys that sign our tokens (JWKS)',
  responses: { 200: jsonResponse(z.object({ keys: z.array(z.record(z.string(), z.unknown())) }), 'JWKS') },
});

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded inside Basic.
  return {
    id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
    secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
  };
}

export function identityRoutes(app: OpenAPIHono<AppEnv>, identity: IdentityService): void {
  const throttle = new FailureThrottle();

  app.openapi(login, async (c) => {
    const { email, password } = c.req.valid('json');
    if (throttle.blocked(email))
      throw new AppError('too_many_requests', 'too many failed sign-ins; wait 15 minutes');
    let result;
    try {
      result = await identity.login(email, password);
    } catch (e) {
      throttle.fail(email);
      throw e;
    }
    throttle.succeed(email);
    setCookie(c, SESSION_COOKIE, result.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: result.expiresIn,
    });
    return c.json({ user: result.user }, 200);
  });

  app.openapi(logout, (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  app.openapi(me, async (c) => c.json({ user: await identity.me(c.get('principal')!) }, 200));

  app.openapi(
    token,
    async (c) => {
      const form = c.req.valid('form');
      if (form.grant_type !== 'client_credentials')
        return c.json({ error: 'unsupported_grant_type', error_description: 'only client_credentials' }, 400);
      const basic = basicCredentials(c.req.header('authorization'));
      const id = basic?.id ?? form.client_id;
      const secret = basic?.secret ?? form.client_secret;
      if (!id || !secret)
        return c.json({ error: 'invalid_client', error_description: 'client credentials missing' }, 401);
      const accessToken = await identity.clientToken(id, secret);
      if (!accessToken)
        return c.json({ error: 'invalid_client', error_description: 'unknown client or wrong secret' }, 401);
      c.header('Cache-Control', 'no-store');
      return c.json(
        { access_token: accessToken, token_type: 'Bearer' as const, expires_in: CLIENT_TOKEN_SECONDS },
        200,
      );
    },
    (result, c) => {
      if (!result.success)
        return c.json({ error: 'invalid_request', error_description: 'malformed token request' }, 400);
      return undefined;
    },
  );

  app.openapi(jwks, (c) => c.json(identity.jwks() as { keys: Record<string, unknown>[] }, 200));
}
