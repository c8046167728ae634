/**
 * Client secrets of connections, encrypted at rest (kernel/secrets.ts) with the connection id as
 * additional data. The key is GREENTRADE_PACT_KEY or the data directory's `pact-client-key`.
 */
import { AppError } from '../../../kernel/errors.js';
import * as secrets from '../../../kernel/secrets.js';

export const KEY_FILE = 'pact-client-key';

export const loadKey = (dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer =>
  secrets.loadSecretKey({ envVar: 'GREENTRADE_PACT_KEY', file: KEY_FILE }, dataDir, env);

export const encryptSecret = (key: Buffer, connectionId: string, secret: string): string =>
  secrets.encryptSecret(key, connectionId, secret);

export function decryptSecret(key: Buffer, connectionId: string, stored: string): string {
  const secret = secrets.decryptSecret(key, connectionId, stored);
  // The key changed (another data directory, GREENTRADE_PACT_KEY not shared): say so, not a crypto error.
  if (secret === null)
    throw new AppError(
      'conflict',
      "the connection secret cannot be decrypted with this server's key: enter it again",
    );
  return secret;
}
