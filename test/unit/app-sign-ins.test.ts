import { describe, expect, it } from 'vitest';
import { createSignInRunner, signInKey, withEvent } from '../../main/app/sign-ins.js';
import { SignInError } from '../../main/engine/interactive/errors.js';
import type { SignInEvent, SignInOptions } from '../../main/engine/types.js';
import type { SignInProgress } from '../../preload/contract.js';

type Start = Required<Pick<SignInOptions, 'onEvent' | 'signal'>>;

/** A sign-in the test drives by hand: events, then an end. */
function manual() {
  let opts: Start | undefined;
  let settle: { resolve(v: string): void; reject(e: unknown): void } | undefined;
  const start = (given: Start) =>
    new Promise<string>((resolve, reject) => {
      opts = given;
      settle = { resolve, reject };
      given.signal.addEventListener('abort', () =>
        reject(new SignInError('aborted', 'sign-in was cancelled')),
      );
    });
  return {
    start,
    emit: (event: SignInEvent) => opts?.onEvent(event),
    signal: () => opts?.signal,
    succeed: () => settle?.resolve('done'),
    fail: (error: unknown) => settle?.reject(error),
  };
}

const device: SignInEvent = {
  stage: 'device-code',
  userCode: 'WDJB-MJHT',
  verificationUri: 'https://login.example.com/device',
  verificationUriComplete: null,
  expiresAt: '2030-01-01T00:10:00.000Z',
  intervalSeconds: 5,
};

describe('the running sign-ins (main/app/sign-ins.ts)', () => {
  it('keys accounts case-insensitively, as the engine does, and tests by their id', () => {
    expect(signInKey({ account: 'Graph' })).toBe(signInKey({ account: 'graph' }));
    expect(signInKey({ test: 'a' })).not.toBe(signInKey({ account: 'a' }));
  });

  it('folds the engine’s events into one progress that keeps the code while polling', () => {
    const start: SignInProgress = {
      target: { account: 'graph' },
      seq: 1,
      status: 'running',
      prompt: null,
      step: 'starting',
      polls: 0,
      error: null,
    };
    const shown = withEvent(start, device);
    const polled = withEvent(withEvent(shown, { stage: 'polling', attempt: 3 }), {
      stage: 'slow-down',
      intervalSeconds: 10,
    });
    expect(polled).toMatchObject({
      step: 'slow-down',
      polls: 3,
      prompt: { userCode: 'WDJB-MJHT', intervalSeconds: 10 },
    });
    expect(withEvent(polled, { stage: 'exchanging-code' }).prompt).toEqual(polled.prompt);
  });

  it('pushes an account’s sign-in from its start to its end, with growing seq, and lists it while it runs', async () => {
    const pushes: SignInProgress[] = [];
    const runner = createSignInRunner({ push: (p) => pushes.push(p) });
    const flow = manual();
    const done = runner.run({ account: 'graph' }, flow.start, { announce: 'always' });
    expect(pushes.map((p) => p.step)).toEqual(['starting']);
    flow.emit(device);
    expect(runner.running()).toEqual([expect.objectContaining({ step: 'device-code', status: 'running' })]);
    expect(runner.get({ account: 'GRAPH' })?.prompt).toEqual(device);
    flow.succeed();
    await expect(done).resolves.toBe('done');
    expect(pushes.map((p) => p.status)).toEqual(['running', 'running', 'signed-in']);
    expect(pushes.map((p) => p.seq)).toEqual([...pushes.map((p) => p.seq)].sort((a, b) => a - b));
    expect(new Set(pushes.map((p) => p.seq)).size).toBe(3);
    expect(runner.running()).toEqual([]);
  });

  it('says a cancelled sign-in was cancelled, and a failed one why', async () => {
    const pushes: SignInProgress[] = [];
    const runner = createSignInRunner({ push: (p) => pushes.push(p) });
    const first = manual();
    const cancelled = runner.run({ account: 'a' }, first.start, { announce: 'always' });
    expect(runner.cancel({ account: 'a' })).toBe(true);
    await expect(cancelled).rejects.toMatchObject({ code: 'aborted' });
    expect(pushes.at(-1)).toMatchObject({ status: 'cancelled', error: null });
    expect(runner.cancel({ account: 'a' })).toBe(false);

    const second = manual();
    const failed = runner.run({ account: 'b' }, second.start, { announce: 'always' });
    second.fail(
      new SignInError('access_denied', 'the sign-in was refused at the server: sign in again', {
        serverMessage: 'End-User aborted interaction',
      }),
    );
    await expect(failed).rejects.toThrow(/refused/);
    expect(pushes.at(-1)).toMatchObject({
      target: { account: 'b' },
      status: 'failed',
      error: { code: 'access_denied', serverMessage: 'End-User aborted interaction' },
    });
  });

  it('takes a Test connection’s failure from its answer, and pushes nothing for a grant that needs no person', async () => {
    const pushes: SignInProgress[] = [];
    const runner = createSignInRunner({ push: (p) => pushes.push(p) });
    const quiet = await runner.run({ test: 'id-1' }, async () => ({ ok: true }), {
      announce: 'on-event',
      failureOf: () => null,
    });
    expect(quiet).toEqual({ ok: true });
    expect(pushes).toEqual([]);

    const flow = manual();
    const answer = runner.run(
      { test: 'id-2' },
      async (opts) => {
        opts.onEvent({
          stage: 'waiting-for-browser',
          authorizationUrl: 'https://login.example.com/authorize?x=1',
          redirectUri: 'http://127.0.0.1:5000/callback',
          deadline: '2030-01-01T00:05:00.000Z',
          browserOpened: true,
        });
        await flow.start(opts).catch(() => undefined);
        return {
          ok: false,
          error: { code: 'aborted', message: 'sign-in was cancelled', serverMessage: null, status: null },
        };
      },
      { announce: 'on-event', failureOf: (r) => (r.ok ? null : r.error) },
    );
    expect(pushes.map((p) => p.step)).toEqual(['waiting-for-browser']);
    expect(runner.cancel({ test: 'id-2' })).toBe(true);
    await answer;
    expect(pushes.at(-1)).toMatchObject({ target: { test: 'id-2' }, status: 'cancelled' });
  });

  it('a second sign-in of the same account replaces the first, whose end is not announced', async () => {
    const pushes: SignInProgress[] = [];
    const runner = createSignInRunner({ push: (p) => pushes.push(p) });
    const first = manual();
    const second = manual();
    const one = runner.run({ account: 'graph' }, first.start, { announce: 'always' });
    const two = runner.run({ account: 'Graph' }, second.start, { announce: 'always' });
    await expect(one).rejects.toMatchObject({ code: 'aborted' });
    expect(first.signal()?.aborted).toBe(true);
    expect(pushes.filter((p) => p.status !== 'running')).toEqual([]);
    second.succeed();
    await two;
    expect(pushes.at(-1)).toMatchObject({ target: { account: 'Graph' }, status: 'signed-in' });
  });

  it('a push that throws (no window) does not break the sign-in', async () => {
    const runner = createSignInRunner({
      push: () => {
        throw new Error('window gone');
      },
    });
    const flow = manual();
    const done = runner.run({ account: 'a' }, flow.start, { announce: 'always' });
    flow.emit(device);
    flow.succeed();
    await expect(done).resolves.toBe('done');
  });
});
