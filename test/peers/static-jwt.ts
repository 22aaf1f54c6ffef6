/** Test JWTs for the `static` preset and for peers that answer with JWT access tokens. */
import { createHmac } from 'node:crypto';

/** Obviously fake HMAC key used when no secret is given. */
export const TEST_JWT_SECRET = 'fake-test-jwt-secret-not-real';

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Mints a compact JWT: HS256-signed by default; `header.alg: 'none'` gives an unsigned one (empty signature). */
export function makeJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  secret: string = TEST_JWT_SECRET,
): string {
  const fullHeader = { alg: 'HS256', typ: 'JWT', ...header };
  const input = `${b64url(JSON.stringify(fullHeader))}.${b64url(JSON.stringify(claims))}`;
  if (fullHeader.alg === 'none') return `${input}.`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Decodes a JWT's payload without verifying it (for assertions in tests). */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1];
  if (payload === undefined) throw new Error('not a compact JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Seconds since the epoch, now. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
