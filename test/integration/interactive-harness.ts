/**
 * Drives oidc-provider's own sign-in pages (test/peers/oidc.ts `interactive`) in headless
 * Chromium, standing in for the system browser of an interactive sign-in. Every request to a
 * non-loopback host is aborted (the provider's pages @import a web font).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  startOidcPeer,
  OIDC_PUBLIC_NATIVE_CLIENT,
  type OidcPeerHandle,
  type OidcPeerOptions,
} from '../peers/oidc.js';
import { launchChromium } from '../ui/browser.js';

export { launchChromium };

/**
 * Registers a test file's hooks: one Chromium for the file, and what each test starts (interactive
 * oidc-provider peers, loopback-only browser profiles, anything pushed on `cleanups`) ended after it.
 */
export function interactiveSuite(): {
  peer(opts?: OidcPeerOptions): Promise<OidcPeerHandle>;
  context(): Promise<BrowserContext>;
  cleanups: (() => Promise<void>)[];
} {
  let browser: Browser | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  return {
    cleanups,
    async peer(opts = {}) {
      const handle = await startOidcPeer({ clients: [OIDC_PUBLIC_NATIVE_CLIENT], interactive: {}, ...opts });
      cleanups.push(() => handle.close());
      return handle;
    },
    async context() {
      if (browser === undefined) throw new Error('interactiveSuite: Chromium is not started yet');
      const created = await loopbackContext(browser);
      cleanups.push(() => created.close());
      return created;
    },
  };
}

const STEP_TIMEOUT_MS = 10_000;

/** A browser profile of its own (cookies, session) that can reach only 127.0.0.1. */
export async function loopbackContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    return hostname === '127.0.0.1' ? route.continue() : route.abort();
  });
  return context;
}

/** Fills the development login form (any login and password; the login becomes the account id). */
export async function logIn(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/** Approves the consent page. */
export async function consent(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Authorize' }).waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** What the tab shows at the end: the loopback page's heading. */
export async function finalHeading(page: Page): Promise<string> {
  const heading = page.locator('h1');
  await heading.waitFor();
  return (await heading.textContent()) ?? '';
}

export type BrowserScript =
  /** Log in as `login`, consent, and wait for the loopback page. */
  | { kind: 'approve'; login: string }
  /** Click the login page's "[ Cancel ]" link (error=access_denied). */
  | { kind: 'cancel' }
  /** Only load the page (a person who never finishes). */
  | { kind: 'idle' };

/** An `openBrowser` port that runs `script` in a new tab of `context`, in the background. */
export function scriptedBrowser(context: BrowserContext, script: BrowserScript) {
  const run: { done?: Promise<{ page: Page; heading: string | null }>; url?: string } = {};
  const openBrowser = async (url: string): Promise<void> => {
    run.url = url;
    const page = await context.newPage();
    run.done = (async () => {
      await page.goto(url);
      if (script.kind === 'idle') return { page, heading: null };
      if (script.kind === 'cancel') {
        await page.getByRole('link', { name: '[ Cancel ]' }).click();
      } else {
        await logIn(page, script.login);
        await consent(page);
      }
      return { page, heading: await finalHeading(page) };
    })();
    run.done.catch(() => undefined); // a test that expects the sign-in to fail may never look
  };
  return {
    openBrowser,
    /** The tab's last page, once the script ran. */
    finished: async () => {
      if (!run.done) throw new Error('openBrowser was never called');
      return run.done;
    },
    /** The URL the sign-in asked the browser to open. */
    get url(): string | undefined {
      return run.url;
    },
  };
}

/** Approves (or aborts) a device code through the provider's /device pages, as the user would. */
export async function enterDeviceCode(
  context: BrowserContext,
  verificationUri: string,
  userCode: string,
  action: { kind: 'approve'; login: string } | { kind: 'abort' },
): Promise<string> {
  const page = await context.newPage();
  await page.goto(verificationUri);
  await page.locator('input[name="user_code"]').fill(userCode);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Confirm Device' }).waitFor();
  if (action.kind === 'abort') {
    await page.getByRole('button', { name: '[ Abort ]' }).click();
  } else {
    await page.getByRole('button', { name: 'Continue' }).click();
    await logIn(page, action.login);
    await consent(page);
  }
  return finalHeading(page);
}
