/** Retry-After parsing (RFC 9110 §10.2.3) and how token server answers are classified (C5). */
import { describe, expect, it } from 'vitest';
import {
  assertSecureUrl,
  networkError,
  parseRetryAfter,
  responseError,
  serverWords,
} from '../../main/engine/http.js';
import { TokenError } from '../../main/engine/errors.js';

const NOW = Date.parse('2026-11-24T09:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    ['2027', 2_027_000],
    ['0', 0],
    [' 30 ', 30_000],
  ])('reads delay-seconds %j', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it('reads an IMF-fixdate HTTP-date relative to now', () => {
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:01:30 GMT', NOW)).toBe(90_000);
  });

  it('reads the obsolete RFC 850 and asctime date forms', () => {
    expect(parseRetryAfter('Tuesday, 24-Nov-26 09:02:00 GMT', NOW)).toBe(120_000);
    expect(parseRetryAfter('Tue Nov 24 09:00:45 2026', NOW)).toBe(45_000);
  });

  it('treats an HTTP-date in the past as "now"', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
  });

  it.each([null, '', 'abc', '-5', '1.5', '1e3', '12 abc', 'Nov 2026', 'soon', '0x10'])(
    'ignores the invalid value %j',
    (value) => {
      expect(parseRetryAfter(value, NOW)).toBeNull();
    },
  );
});

describe('responseError', () => {
  const classify = (
    status: number,
    body: string,
    contentType = 'application/json',
    retryAfter: number | null = null,
  ) => responseError(status, contentType, body, retryAfter, 'https://idp.example.com/token');

  it('treats 429 as transient and keeps the Retry-After delay', () => {
    const error = classify(429, '{"error":"slow_down"}', 'application/json', 120_000);
    expect(error).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 120_000 });
    expect(error.message).toMatch(/120 s/);
  });

  it.each([500, 502, 503, 504])('treats HTTP %i as transient', (status) => {
    expect(classify(status, '<html>Bad gateway</html>', 'text/html').kind).toBe('transient');
  });

  it.each(['invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'])(
    'treats %s as needing the user',
    (code) => {
      const error = classify(400, JSON.stringify({ error: code, error_description: 'Nope.' }));
      expect(error).toMatchObject({ code, kind: 'auth', serverMessage: 'Nope.' });
    },
  );

  it('treats invalid_grant as a refused grant', () => {
    expect(classify(400, '{"error":"invalid_grant"}')).toMatchObject({
      code: 'invalid_grant',
      kind: 'grant',
    });
  });

  it('takes the server words from error_description, Message or message', () => {
    expect(classify(401, '{"Message":"Authorization has been denied for this request."}').serverMessage).toBe(
      'Authorization has been denied for this request.',
    );
    expect(classify(401, '{"message":"bad key"}')).toMatchObject({
      code: 'unauthorized',
      kind: 'auth',
      serverMessage: 'bad key',
    });
  });

  it('names the content type of a 200 that is not JSON (a captive portal)', () => {
    const error = classify(
      200,
      '<html><body><h1>Sign in to Hotel WiFi</h1></body></html>',
      'text/html; charset=utf-8',
    );
    expect(error.code).toBe('not_json');
    expect(error.message).toContain('text/html');
    expect(error.message).toContain('Sign in to Hotel WiFi');
    expect(error.message).not.toContain('<h1>');
  });

  it('names a redirect as a configuration problem', () => {
    expect(classify(302, '')).toMatchObject({ code: 'redirect', kind: 'config' });
  });
});

describe('assertSecureUrl', () => {
  it.each(['http://example.com/token', 'ftp://example.com/token', 'not a url'])(
    'refuses %s before any request',
    (url) => {
      expect(() => assertSecureUrl(url)).toThrow(TokenError);
    },
  );

  it.each([
    'https://example.com/token',
    'http://127.0.0.1:1/token',
    'http://[::1]:1/token',
    'http://localhost/token',
  ])('allows %s', (url) => {
    expect(() => assertSecureUrl(url)).not.toThrow();
  });
});

describe('networkError', () => {
  /** What undici throws: a TypeError whose cause carries the system error code. */
  const fetchFailed = (code: string) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

  it.each([
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ECONNREFUSED', 'network'],
    ['ECONNRESET', 'network'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['EWHATEVER', 'network'],
  ])('classifies %s as a transient %s failure naming the host', (code, expected) => {
    const error = networkError(fetchFailed(code), 'idp.example.com', 30_000);
    expect(error).toMatchObject({ code: expected, kind: 'transient' });
    expect(error.message).toContain('idp.example.com');
  });

  it("reports Electron's cancelled redirect as a settings problem, not a network failure", () => {
    const error = networkError(new Error('Redirect was cancelled'), 'idp.example.com', 30_000);
    expect(error).toMatchObject({ code: 'redirect', kind: 'config' });
    expect(error.message).toContain('check the URL');
  });

  it('reports a timeout in seconds', () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
      name: 'TimeoutError',
    });
    const error = networkError(timeout, 'idp.example.com', 30_000);
    expect(error).toMatchObject({ code: 'timeout', kind: 'transient' });
    expect(error.message).toContain('30 s');
  });
});

describe('a 404', () => {
  it('names the URL that was not there, and the issuer when it was discovery', () => {
    const token = responseError(
      404,
      'application/json',
      '{"error":"not_found"}',
      null,
      'https://dc.example.com/bc/idp/token',
    );
    expect(token).toMatchObject({ code: 'not_found', kind: 'config' });
    expect(token.message).toMatch(
      /^nothing at https:\/\/dc\.example\.com\/bc\/idp\/token \(HTTP 404\); check the URL/,
    );
    const discovery = responseError(
      404,
      'text/html',
      '<h1>Not Found</h1>',
      null,
      'https://login.example.com/.well-known/openid-configuration?x=1',
    );
    expect(discovery.message).toMatch(
      /^no discovery document at https:\/\/login\.example\.com\/\.well-known\/openid-configuration \(HTTP 404\); check the issuer/,
    );
  });
});

describe('serverWords', () => {
  it("adds ASP.NET's ModelState details to its Message (MSP360)", () => {
    expect(
      serverWords({
        Message: 'The request is invalid.',
        ModelState: { 'model.UserName': ['The UserName field is required.'] },
      }),
    ).toBe('The request is invalid. The UserName field is required.');
  });

  it("reads the Acronis platform's nested error message", () => {
    expect(serverWords({ error: { code: 'Unauthorized', message: 'API client is disabled' } })).toBe(
      'API client is disabled',
    );
  });

  it('prefers error_description to the bare OAuth error code', () => {
    expect(serverWords({ error: 'invalid_client', error_description: 'Client is disabled.' })).toBe(
      'Client is disabled.',
    );
    expect(serverWords({ error: 'invalid_client' })).toBe('invalid_client');
  });
});
