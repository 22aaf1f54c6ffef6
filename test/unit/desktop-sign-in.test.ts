import { describe, expect, it } from 'vitest';
import { createDesktopSignIn } from '../../main/desktop/desktop-sign-in.js';
import { createOpenExternal, ExternalUrlRefusedError } from '../../main/desktop/open-external.js';
import type { ActionResult } from '../../preload/contract.js';
import { accountView } from '../fixtures/account-view.js';

describe('the system browser for sign-in (RFC 8252: never an embedded window)', () => {
  const opened: string[] = [];
  const open = createOpenExternal({
    openExternal: async (url: string) => {
      opened.push(url);
    },
  });

  it.each([
    'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=x&state=y',
    'http://127.0.0.1:49152/authorize',
    'http://localhost:8080/device',
    'http://[::1]:8080/device',
  ])('opens %s', async (url) => {
    opened.length = 0;
    await open(url);
    expect(opened).toEqual([url]);
  });

  it.each([
    ['file:///etc/passwd', /is not an absolute URL/],
    ['javascript:alert(1)', /is not an absolute URL/],
    ['smb://server/share', /must be an https: URL, not smb:/],
    ['ms-settings:privacy', /is not an absolute URL/],
    ['http://login.example.com/authorize', /plain http: is allowed only for loopback hosts/],
    ['https://user:pass@login.example.com/', /must not hold a user name or password/],
    [' https://login.example.com/', /is not an absolute URL/],
  ])('refuses %s without opening anything', async (url, why) => {
    opened.length = 0;
    const error = await open(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalUrlRefusedError);
    expect((error as Error).message).toMatch(why);
    expect(opened).toEqual([]);
  });
});

describe('Sign in… from the tray or a notification', () => {
  function harness(result: ActionResult, windowOpen: boolean) {
    const calls: string[] = [];
    const reports: string[] = [];
    const start = createDesktopSignIn({
      window: {
        open: (account) => calls.push(`open ${account}`),
        isOpen: () => windowOpen,
      },
      signIn: async (name) => {
        calls.push(`signIn ${name}`);
        return result;
      },
      report: (account, title, body) => reports.push(`${account}|${title}|${body}`),
    });
    return { start, calls, reports };
  }
  const failed = (code: string): ActionResult => ({
    ok: false,
    error: {
      code,
      message: 'the device code expired before it was approved: choose Sign in… again',
      serverMessage: null,
      status: null,
    },
  });

  it('opens the window on the account first (it shows the code), then signs in', async () => {
    const { start, calls, reports } = harness({ ok: true, account: accountView({ name: 'graph' }) }, true);
    await start('graph');
    expect(calls).toEqual(['open graph', 'signIn graph']);
    expect(reports).toEqual([]);
  });

  it('leaves a failure to the window while it is open, and notifies once it was closed', async () => {
    const open = harness(failed('expired'), true);
    await open.start('graph');
    expect(open.reports).toEqual([]);
    const closed = harness(failed('expired'), false);
    await closed.start('graph');
    expect(closed.reports).toEqual([
      'graph|graph: sign-in failed|the device code expired before it was approved: choose Sign in… again',
    ]);
  });

  it.each(['aborted', 'stopped'])(
    'says nothing about a sign-in cancelled or ended by Quit (%s)',
    async (code) => {
      const { start, reports } = harness(failed(code), false);
      await start('graph');
      expect(reports).toEqual([]);
    },
  );
});
