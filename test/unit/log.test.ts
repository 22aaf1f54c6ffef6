/** Log lines never carry secrets (checklist A9): known values and secret-looking patterns are redacted. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../../main/engine/index.js';
import { makeJwt } from '../peers/index.js';

function collecting() {
  const lines: string[] = [];
  const log = createLogger(
    (line) => lines.push(line),
    () => Date.parse('2026-11-24T09:00:00Z'),
  );
  return { lines, log };
}

describe('createLogger', () => {
  it('writes one line per call with time, level, message and fields', () => {
    const { lines, log } = collecting();
    log.info('renewed', { account: 'acme', expiresAt: '2026-11-24T10:00:00.000Z' });
    log.warn('slow');
    log.error('failed', { status: 503 });
    expect(lines).toEqual([
      '2026-11-24T09:00:00.000Z INFO renewed account="acme" expiresAt="2026-11-24T10:00:00.000Z"',
      '2026-11-24T09:00:00.000Z WARN slow',
      '2026-11-24T09:00:00.000Z ERROR failed status=503',
    ]);
  });

  it('redacts values it was told to forget, wherever they appear', () => {
    const { lines, log } = collecting();
    log.forget('hunter2-secret');
    log.warn('server said: hunter2-secret is wrong', { detail: 'x hunter2-secret y' });
    expect(lines.join('\n')).not.toContain('hunter2-secret');
  });

  it('redacts bearer tokens, JWTs and secret-looking key=value pairs from any source', () => {
    const { lines, log } = collecting();
    const jwt = makeJwt({ sub: 'x', exp: 1 });
    log.error(`request failed: Authorization: Bearer abcdefgh12345678 body client_secret=s3cr3t&x=1`);
    log.error('token', { jwt, pair: 'password: "pa55word"', json: '{"refresh_token":"rt-123456"}' });
    const all = lines.join('\n');
    for (const secret of ['abcdefgh12345678', 's3cr3t', jwt, 'pa55word', 'rt-123456'])
      expect(all).not.toContain(secret);
  });

  it('never lets a random token through (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._~+/-]{8,64}$/), fc.string(), (token, context) => {
        const { lines, log } = collecting();
        log.forget(token);
        log.info(`${context} ${token} ${context}`, { token, nested: `x${token}x` });
        expect(lines.join('\n')).not.toContain(token);
      }),
      { numRuns: 300 },
    );
  });

  it('redacts bearer headers with random tokens even when not told about them (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._~+/=-]{8,64}$/), (token) => {
        expect(redact(`Authorization: Bearer ${token}`)).not.toContain(token);
      }),
      { numRuns: 300 },
    );
  });
});
