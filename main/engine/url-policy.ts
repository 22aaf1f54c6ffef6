/** CONTRACT §1: token requests go over HTTPS; plain http only to loopback hosts. */

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  return /^127(\.\d{1,3}){3}$/.test(host) && host.split('.').every((part) => Number(part) <= 255);
}

/** Why a URL may not receive credentials, or null when it may. */
export function insecureUrlReason(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? null
      : 'must use https: (plain http: is allowed only for loopback hosts)';
  }
  return `must be an https: URL, not ${url.protocol}`;
}
