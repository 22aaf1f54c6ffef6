/**
 * Issue #12, item 6: a token server that echoes a secret back, in whatever encoding it received or
 * stored it in, never gets it into the log, an error, an API body, a notification or the stored
 * last error. The forms are built here independently of the engine's redaction.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { routeRequest, type ApiResponse, type ApiRoute } from '../../main/agent/routes.js';
import { planNotifications } from '../../main/engine/notification-policy.js';
import { TokenError } from '../../main/engine/index.js';
import { startAcronisPeer, startMpsMonitorPeer, startOAuth2ServerPeer } from '../peers/index.js';
import { Cleanups, requestsThenIdle, startHarness, type Harness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const CLIENT_ID = 'client id+1';
const SECRET = 'fake mps"secret+/=%:-\u00e9\\~*()!';
const PASSWORD = "pass word'&<>+?";

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** RFC 6749 §2.3.1 form encoding, the way a client_secret_basic header carries each part. */
const strictForm = (text: string) =>
  encodeURIComponent(text)
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
const urlSearchParamsForm = (text: string) => new URLSearchParams([['', text]]).toString().slice(1);

/** Every form of `secret` the test sends back, each with what it is. */
function formsOf(secret: string): [string, string][] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    ['raw', secret],
    ['encodeURIComponent', encodeURIComponent(secret)],
    [
      'encodeURIComponent, lower-case hex',
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    ],
    ['x-www-form-urlencoded (+ for space)', urlSearchParamsForm(secret)],
    ['RFC 6749 form encoding', strictForm(secret)],
    ['JSON-escaped', json],
    ['JSON-escaped with \\/', json.replace(/\//g, '\\/')],
    [
      'JSON-escaped, non-ASCII as \\u',
      json.replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
    ['Basic, raw', b64(`${CLIENT_ID}:${secret}`)],
    ['Basic, form-encoded', b64(`${strictForm(CLIENT_ID)}:${strictForm(secret)}`)],
  ];
}

/** All the texts a person, a script or a file could see for the account. */
async function everythingShown(h: Harness, name: string, thrown: unknown): Promise<string[]> {
  const view = h.engine.view(name);
  const route = routeRequest(h.engine, silentApiLog, 'GET', `/v1/accounts/${name}/token`);
  const api = (await (route as ApiRoute).run(Buffer.alloc(0))) as ApiResponse;
  const notices = view
    ? planNotifications([view], h.clock.now() + 7 * 86400_000, new Map(), {
        defaultNotifyBeforeSeconds: 600,
        paused: false,
      }).notices
    : [];
  return [
    thrown instanceof TokenError ? thrown.message : String(thrown),
    thrown instanceof TokenError ? (thrown.serverMessage ?? '') : '',
    view?.error ?? '',
    ...h.lines,
    ...h.engine.activity(name).map((entry) => entry.detail),
    JSON.stringify(api.body),
    ...notices.flatMap((notice) => [notice.title, notice.body]),
    await readFile(join(h.fixture.dataDir, 'accounts.json'), 'utf8'),
  ];
}

const silentApiLog = { info: () => {}, warn: () => {}, error: () => {} };

function expectNoForm(texts: string[], secret: string): void {
  for (const [what, form] of formsOf(secret))
    for (const text of texts)
      expect(text, `${what} form leaked into: ${text.slice(0, 300)}`).not.toContain(form);
}

/** Where the server's words are shown, each form must have been there and been replaced. */
const SHOWN = '[redacted]';

describe('redaction of encoded forms', () => {
  async function mpsEngine(clientSecret = SECRET) {
    const peer = cleanups.add(
      await startMpsMonitorPeer({ clientId: CLIENT_ID, clientSecret, password: PASSWORD }),
    );
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    await h.engine.saveAccount({
      name: 'mps',
      preset: 'mps-monitor',
      baseUrl: peer.baseUrl,
      clientId: CLIENT_ID,
      clientSecret,
      username: 'test@example.com',
      password: PASSWORD,
      cliAccess: true,
    });
    return { peer, h };
  }

  it.each([
    ...formsOf(SECRET).map(([what, form]) => [`client secret, ${what}`, form, SECRET] as const),
    ...formsOf(PASSWORD)
      .filter(([what]) => !what.startsWith('Basic'))
      .map(([what, form]) => [`password, ${what}`, form, PASSWORD] as const),
  ])('removes the %s an MPS Monitor server echoes in its error', async (_what, form, secret) => {
    const { peer, h } = await mpsEngine();
    peer.faults.push({
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_client', error_description: `Unknown client <${form}>.` }),
    });
    const thrown = await h.engine.token('mps').catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'invalid_client' });
    // The server's words are still there, around the hole.
    expect((thrown as TokenError).serverMessage).toBe(`Unknown client <${SHOWN}>.`);
    expectNoForm(await everythingShown(h, 'mps', thrown), secret);
  });

  it.each(formsOf(SECRET).filter(([what]) => what.startsWith('Basic')))(
    'removes the %s credentials of an Acronis client echoed in a 5xx page',
    async (_what, form) => {
      const peer = cleanups.add(await startAcronisPeer({ clientId: CLIENT_ID, clientSecret: SECRET }));
      const h = await startHarness(cleanups);
      peer.faults.push({
        kind: 'status',
        status: 502,
        contentType: 'text/plain',
        body: `upstream failed for | ${form} |`,
      });
      await h.engine.saveAccount({
        name: 'acr',
        preset: 'acronis',
        baseUrl: peer.url,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        cliAccess: true,
      });
      await requestsThenIdle(h.engine, peer, 1);
      expect(h.engine.view('acr')).toMatchObject({ errorCode: 'server_error' });
      expect(h.engine.view('acr')?.error).toContain(`upstream failed for | ${SHOWN} |`);
      const thrown = await h.engine.token('acr').catch((e: unknown) => e);
      expectNoForm(await everythingShown(h, 'acr', thrown), SECRET);
    },
  );

  it.each(formsOf(SECRET))(
    'removes the client secret (%s) from a failed Test connection (oauth2, client_secret_basic)',
    async (_what, form) => {
      const peer = cleanups.add(await startOAuth2ServerPeer({ clientId: CLIENT_ID, clientSecret: SECRET }));
      const h = await startHarness(cleanups);
      peer.faults.push({
        kind: 'status',
        status: 401,
        body: JSON.stringify({ error: 'invalid_client', error_description: `no such client <${form}>` }),
      });
      const result = await h.engine.testConnection({
        name: 'gen',
        preset: 'oauth2',
        tokenUrl: peer.tokenUrl,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
      });
      expect(result).toMatchObject({ ok: false, error: { serverMessage: `no such client <${SHOWN}>` } });
      expectNoForm([JSON.stringify(result), ...h.lines], SECRET);
    },
  );

  it.each([
    ['raw', SECRET],
    ['percent-encoded', encodeURIComponent(SECRET)],
    ['form-encoded, inside a copy of the request', `client_secret=${urlSearchParamsForm(SECRET)}`],
  ])(
    'does not pass on an OAuth error code that is the secret (%s): provider_error, its words redacted',
    async (_what, code) => {
      const { peer, h } = await mpsEngine();
      peer.faults.push({ kind: 'status', status: 400, body: JSON.stringify({ error: code }) });
      const thrown = await h.engine.token('mps', { purpose: 'cli' }).catch((e: unknown) => e);
      expect(thrown).toMatchObject({ code: 'provider_error' });
      expect(h.engine.view('mps')).toMatchObject({ errorCode: 'provider_error' });
      const shown = await everythingShown(h, 'mps', thrown);
      expect(shown.find((text) => text.startsWith('{"error"'))).toMatch(/^\{"error":"provider_error"/);
      expectNoForm(shown, SECRET);
    },
  );

  it('does not pass on an OAuth error code that is an alphanumeric secret (it has the shape of a code)', async () => {
    const secret = 'Zq9Xw7Vu5Ts3Rp1No8Ml';
    const { peer, h } = await mpsEngine(secret);
    peer.faults.push({ kind: 'status', status: 400, body: JSON.stringify({ error: secret }) });
    const thrown = await h.engine.token('mps', { purpose: 'cli' }).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'provider_error' });
    expectNoForm(await everythingShown(h, 'mps', thrown), secret);
  });

  it.each([0, 280, 288, 295, 299, 305, 590])(
    'removes a secret the server places across the length limit (after %i characters)',
    async (pad) => {
      const secret = 'Zq9Xw7Vu5Ts3Rp1No8Ml';
      const { peer, h } = await mpsEngine(secret);
      peer.faults.push({
        kind: 'status',
        status: 400,
        body: JSON.stringify({
          error: 'invalid_client',
          error_description: `${'x'.repeat(pad)}${secret} end`,
        }),
      });
      const thrown = await h.engine.token('mps', { purpose: 'cli' }).catch((e: unknown) => e);
      expect(thrown).toMatchObject({ code: 'invalid_client' });
      // Not even part of it: cut after redaction, never before.
      for (const text of await everythingShown(h, 'mps', thrown))
        expect(text, `part of the secret leaked into: ${text.slice(0, 200)}`).not.toContain(
          secret.slice(0, 8),
        );
    },
  );

  it("bounds the server's words and strips control characters from its code and text", async () => {
    const { peer, h } = await mpsEngine();
    const huge = 'y'.repeat(500_000);
    peer.faults.push({
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: `bad\u001b[31m\r\nX-Injected: 1${huge}`, error_description: huge }),
    });
    const thrown = await h.engine.token('mps', { purpose: 'cli' }).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'provider_error' });
    const error = thrown as TokenError;
    expect(error.message.length).toBeLessThanOrEqual(601);
    expect(error.serverMessage?.length).toBeLessThanOrEqual(301);
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    const stored = await readFile(join(h.fixture.dataDir, 'accounts.json'), 'utf8');
    expect(stored.length).toBeLessThan(20_000);
    expect(Math.max(...h.lines.map((line) => line.length))).toBeLessThan(2_000);
  });
});
