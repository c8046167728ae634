import { createLocalJWKSet, errors, jwtVerify } from 'jose';
import type { IdentityService } from '../identity/index.js';
import type { PactCaller } from './service.js';

/**
 * Access tokens for /pact are the platform's own client-credentials JWTs (Ed25519, from
 * `IdentityService.clientToken`): one set of credentials, one revocation, one JWKS. PACT wants
 * an expired token told apart from a bad one (TokenExpired vs BadRequest); `verify` only says
 * "not valid", so a failed token is checked once more against our public keys: jose checks the
 * signature before the claims, so JWTExpired means "signed by us, but expired".
 */
export type TokenCheck =
  | { ok: true; caller: PactCaller }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'not-a-client' };

export async function checkBearer(
  identity: IdentityService,
  header: string | undefined,
): Promise<TokenCheck> {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return { ok: false, reason: 'missing' };
  const token = m[1]!;
  const principal = await identity.verify(token);
  if (!principal) {
    try {
      await jwtVerify(token, createLocalJWKSet(identity.jwks()));
    } catch (e) {
      if (e instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    }
    return { ok: false, reason: 'invalid' };
  }
  // PACT is machine to machine: a user's session token is not a data recipient's credential.
  const orgId = principal.memberships[0]?.orgId;
  if (principal.kind !== 'client' || !orgId) return { ok: false, reason: 'not-a-client' };
  try {
    await identity.me(principal); // refuses a client revoked since the token was issued
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  return { ok: true, caller: { clientId: principal.id, orgId } };
}

/** `Authorization: Basic base64(id:secret)` (RFC 7617; id and secret form-urlencoded per RFC 6749 §2.3.1). */
export function parseBasic(header: string | undefined): { id: string; secret: string } | null {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  let text: string;
  try {
    text = Buffer.from(m[1]!, 'base64').toString('utf8');
  } catch {
    return null;
  }
  const i = text.indexOf(':');
  if (i < 0) return null;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: decode(text.slice(0, i)), secret: decode(text.slice(i + 1)) };
}
