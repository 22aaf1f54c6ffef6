/** CONTRACT §1: token requests go over HTTPS; plain http only to loopback hosts. */

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  // Exactly CONTRACT §1's list: not `*.localhost`, which a resolver may send anywhere.
  if (LOOPBACK_NAMES.has(host)) return true;
  return /^127(\.\d{1,3}){3}$/.test(host) && host.split('.').every((part) => Number(part) <= 255);
}

/** Why a URL may not receive credentials, or null when it may. */
export function insecureUrlReason(value: string): string | null {
  let url: URL;
  // The WHATWG parser would also take "https:host" or " https://host"; an absolute URL is written out.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\s]/.test(value) || /\s/.test(value))
    return 'is not an absolute URL (write it as https://host/path, without spaces)';
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username !== '' || url.password !== '')
    return 'must not hold a user name or password: put credentials in their own fields';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? null
      : 'must use https: (plain http: is allowed only for loopback hosts)';
  }
  return `must be an https: URL, not ${url.protocol}`;
}
