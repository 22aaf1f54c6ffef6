/** Reads a JWT's header and claims without verifying anything (we only need `exp`, and a view). */

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const json = Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Header and claims of a compact JWS, or null when the string is not one. Never verified. */
export function decodeJwt(
  token: string,
): { header: Record<string, unknown>; claims: Record<string, unknown> } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return null;
  const header = decodePart(parts[0]);
  const claims = decodePart(parts[1]);
  return header && claims ? { header, claims } : null;
}

/** The `exp` claim in epoch milliseconds, or null. */
export function jwtExpiry(token: string): number | null {
  const exp = decodeJwt(token)?.claims.exp;
  return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : null;
}
