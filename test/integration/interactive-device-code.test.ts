/**
 * Device code sign-in (main/engine/interactive/device-code.ts) against a real oidc-provider: the
 * code approved through the provider's own /device pages in headless Chromium, the polling
 * schedule read back from a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { createGuardedFetch } from '../../main/engine/http.js';
import {
  signInWithDeviceCode,
  SignInError,
  type DeviceCodePrompt,
  type DeviceCodeSettings,
  type SignInFetch,
} from '../../main/engine/interactive/index.js';
import type { Clock } from '../../main/engine/types.js';
import { OIDC_PUBLIC_NATIVE_CLIENT, type OidcPeerHandle } from '../peers/oidc.js';
import { enterDeviceCode, interactiveSuite } from './interactive-harness.js';

const { peer, context } = interactiveSuite();

const settingsFor = (issuer: string): DeviceCodeSettings => ({
  issuer,
  clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
  scope: 'openid offline_access',
});

const plainFetch: SignInFetch = (url, init) => fetch(url, { ...init, redirect: 'manual' });

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const polls = (server: OidcPeerHandle) => server.requests.filter((r) => r.form?.grant_type === DEVICE_GRANT);

/**
 * A clock whose time moves only when a wait is due: each `at` fires on the next turn of the event
 * loop with the time set to its deadline, and the waits asked for are recorded.
 */
function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  const waits: number[] = [];
  const clock: Clock = {
    now: () => now,
    at(ms, run) {
      waits.push(ms - now);
      let cancelled = false;
      setImmediate(() => {
        if (cancelled) return;
        now = Math.max(now, ms);
        run();
      });
      return () => {
        cancelled = true;
      };
    },
  };
  return { clock, waits, elapsed: () => now - start, advance: (ms: number) => void (now += ms) };
}

async function expectSignInError(promise: Promise<unknown>, code: SignInError['code']): Promise<SignInError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignInError);
  const failure = error as SignInError;
  expect(failure.code, failure.message).toBe(code);
  return failure;
}

const slowDown = { kind: 'status', status: 400, body: '{"error":"slow_down"}' } as const;

describe('device code sign-in (RFC 8628) against oidc-provider', () => {
  it('shows the code, and is approved through the provider’s own user-code page', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const browserContext = await context();
    let prompt: DeviceCodePrompt | undefined;
    let approval: Promise<string> | undefined;
    const before = Date.now();
    const tokens = await signInWithDeviceCode(settingsFor(server.issuer), {
      fetch: plainFetch,
      onCode(code) {
        prompt = code;
      },
      // The code is entered once the first poll has been answered authorization_pending (attempt 2
      // is scheduled only then), so the approval cannot beat the first poll however fast the page is.
      onProgress(progress) {
        if (progress.stage !== 'polling' || progress.attempt !== 2 || !prompt || approval) return;
        approval = enterDeviceCode(browserContext, prompt.verificationUri, prompt.userCode, {
          kind: 'approve',
          login: 'erin',
        });
      },
    });
    expect(prompt?.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(prompt?.verificationUri).toBe(`${server.url}/device`);
    expect(prompt?.verificationUriComplete).toBe(
      `${server.url}/device?user_code=${encodeURIComponent(prompt?.userCode ?? '')}`,
    );
    expect(prompt?.intervalSeconds).toBe(1);
    expect(prompt?.expiresAt).toBeGreaterThanOrEqual(before + 590_000);
    expect(await approval).toBe('Sign-in Success');

    expect(tokens.accessToken).toMatch(/^\S{20,}$/);
    expect(tokens.refreshToken).toMatch(/^\S{20,}$/);
    expect(tokens.tokenType).toBe('bearer');
    const me = await fetch(`${server.url}/me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
      signal: AbortSignal.timeout(5000),
    });
    expect(((await me.json()) as { sub?: string }).sub).toBe('erin');
    // At least one authorization_pending before the approval, and never faster than the interval.
    const times = polls(server).map((r) => r.time);
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('honours slow_down: 5 s more for that poll and every later one, and stops at expires_in', async () => {
    const server = await peer({ interactive: { deviceCodeTtlSeconds: 60 } });
    server.faults.push(slowDown).push(slowDown);
    const { clock, waits, elapsed } = fakeClock();
    const slowDowns: number[] = [];
    const failure = await expectSignInError(
      signInWithDeviceCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        clock,
        onCode: () => undefined,
        onProgress: (p) => (p.stage === 'slow-down' ? slowDowns.push(p.intervalSeconds) : undefined),
      }),
      'expired',
    );
    // No interval in the answer: RFC 8628's 5 s. Polls at 5 (slow_down), 15 (slow_down), 30, 45;
    // the next would be at 60, when the code expires: none is sent.
    expect(waits).toEqual([5_000, 10_000, 15_000, 15_000, 15_000]);
    expect(slowDowns).toEqual([10, 15]);
    expect(polls(server)).toHaveLength(4);
    expect(elapsed()).toBe(60_000);
    expect(failure.message).toMatch(/device code expired .*start sign-in again/);
  });

  it('stops with expired when the code outlives its time in real seconds', async () => {
    const server = await peer({
      interactive: { deviceCodeTtlSeconds: 2 },
      deviceAuthorizationPatch: { interval: 1 },
    });
    const started = Date.now();
    await expectSignInError(
      signInWithDeviceCode(settingsFor(server.issuer), { fetch: plainFetch, onCode: () => undefined }),
      'expired',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(polls(server)).toHaveLength(1);
  });

  it("counts the code's life from before its request: the server started it then", async () => {
    const server = await peer({
      interactive: { deviceCodeTtlSeconds: 60 },
      deviceAuthorizationPatch: { interval: 5 },
    });
    const { clock, advance } = fakeClock();
    const start = clock.now();
    // The device authorization request takes 3 s by the clock.
    const slowDevice: SignInFetch = async (url, init) => {
      const answer = await plainFetch(url, init);
      if (String(url).includes('/device/auth')) advance(3000);
      return answer;
    };
    let expiresAt = 0;
    await expectSignInError(
      signInWithDeviceCode(settingsFor(server.issuer), {
        fetch: slowDevice,
        clock,
        onCode: (code) => void (expiresAt = code.expiresAt),
      }),
      'expired',
    );
    expect(expiresAt).toBe(start + 60_000);
    // Polls every 5 s from the answer (3 s): at 8, 13, ... 58 s; none at 63 s, past the code's life.
    expect(polls(server)).toHaveLength(11);
  });

  it('stops with expired when the server answers expired_token', async () => {
    const server = await peer();
    server.faults.push({ kind: 'status', status: 400, body: '{"error":"expired_token"}' });
    const { clock } = fakeClock();
    const failure = await expectSignInError(
      signInWithDeviceCode(settingsFor(server.issuer), { fetch: plainFetch, clock, onCode: () => undefined }),
      'expired',
    );
    expect(failure.serverError).toBe('expired_token');
    expect(polls(server)).toHaveLength(1);
  });

  it('says access_denied when the user aborts on the provider’s confirmation page', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const browserContext = await context();
    let aborted: Promise<string> | undefined;
    const failure = await expectSignInError(
      signInWithDeviceCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        onCode(code) {
          aborted = enterDeviceCode(browserContext, code.verificationUri, code.userCode, { kind: 'abort' });
        },
      }),
      'access_denied',
    );
    await aborted?.catch(() => undefined);
    expect(failure.serverError).toBe('access_denied');
    expect(failure.message).toMatch(/refused or cancelled .*start sign-in again/);
  });

  it('stops polling when the sign-in is cancelled in Tokentray', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const cancel = new AbortController();
    const started = Date.now();
    await expectSignInError(
      signInWithDeviceCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        signal: cancel.signal,
        onCode: () => setTimeout(() => cancel.abort(), 100),
      }),
      'aborted',
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(polls(server)).toHaveLength(0);
  });

  it('reads authorization_pending, slow_down and access_denied from the engine’s guarded fetch too', async () => {
    const server = await peer();
    server.faults
      .push(slowDown)
      .push({ kind: 'pass' })
      .push({ kind: 'status', status: 400, body: '{"error":"access_denied"}' });
    const guarded = createGuardedFetch({ fetch, timeoutMs: 5000, now: () => Date.now() });
    const { clock, waits } = fakeClock();
    const failure = await expectSignInError(
      signInWithDeviceCode(settingsFor(server.issuer), { fetch: guarded, clock, onCode: () => undefined }),
      'access_denied',
    );
    expect(failure.serverError).toBe('access_denied');
    // slow_down, then oidc-provider's own authorization_pending, then access_denied.
    expect(waits).toEqual([5_000, 10_000, 10_000]);
    expect(polls(server)).toHaveLength(3);
  });

  it('takes deviceAuthorizationUrl and tokenUrl without discovery', async () => {
    const server = await peer();
    server.faults.push({ kind: 'status', status: 400, body: '{"error":"access_denied"}' });
    const { clock } = fakeClock();
    let prompt: DeviceCodePrompt | undefined;
    await expectSignInError(
      signInWithDeviceCode(
        {
          clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
          deviceAuthorizationUrl: server.deviceAuthorizationUrl,
          tokenUrl: server.tokenUrl,
        },
        { fetch: plainFetch, clock, onCode: (code) => (prompt = code) },
      ),
      'access_denied',
    );
    expect(prompt?.userCode).toBeTruthy();
    expect(server.discoveryRequests).toHaveLength(0);
  });
});
