import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_CSP,
  appResponseHeaders,
  createAppRequestHandler,
  registerAppScheme,
  resolveAppRequest,
  serveAppProtocol,
} from '../../main/desktop/protocol.js';
import { FakeProtocol } from '../fakes/electron-fake.js';

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name as string, values.join(' ')];
      }),
  );
}

describe('content security policy', () => {
  it('is strict: nothing by default, only own scripts and styles, no connections, no framing', () => {
    const csp = directives(APP_CSP);
    expect(Object.fromEntries(csp)).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': "'none'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'none'",
    });
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*/);
  });

  it('is sent as a header on every app:// response, with nosniff', () => {
    const headers = appResponseHeaders('text/html; charset=utf-8');
    expect(headers['Content-Security-Policy']).toBe(APP_CSP);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });

  const html = path.resolve('renderer/index.html');
  it.skipIf(!existsSync(html))(
    'matches the <meta> in renderer/index.html (frame-ancestors is header-only)',
    () => {
      const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(
        readFileSync(html, 'utf8'),
      );
      expect(meta).not.toBeNull();
      const fromMeta = directives(meta?.[1] ?? '');
      const fromHeader = directives(APP_CSP);
      fromHeader.delete('frame-ancestors');
      expect(Object.fromEntries(fromMeta)).toEqual(Object.fromEntries(fromHeader));
    },
  );
});

describe('app:// path resolution', () => {
  const root = path.resolve('/srv/tokentray/renderer');
  it.each([
    ['app://tokentray/', path.join(root, 'index.html')],
    ['app://tokentray/index.html', path.join(root, 'index.html')],
    ['app://tokentray/assets/main-1a2b.js', path.join(root, 'assets', 'main-1a2b.js')],
    ['app://tokentray/assets/a%20b.css?x=1#y', path.join(root, 'assets', 'a b.css')],
    // The URL parser already folds (encoded) dot segments; what is left stays under the root.
    ['app://tokentray/%2e%2e/%2e%2e/etc/passwd.html', path.join(root, 'etc', 'passwd.html')],
    ['app://tokentray/../../etc/passwd.html', path.join(root, 'etc', 'passwd.html')],
  ])('%s → %s', (url, file) => {
    expect(resolveAppRequest(url, root)).toMatchObject({ ok: true, file });
  });

  it.each([
    ['app://tokentray/..%2f..%2fetc%2fpasswd.html', 403],
    ['app://tokentray/assets/..%5c..%5csecret.json', 403],
    ['app://tokentray/a%00.html', 403],
    ['app://tokentray/C:%5cWindows%5cwin.ini', 403],
    ['app://other/index.html', 403],
    ['app://tokentray:99/index.html', 403],
    ['https://tokentray/index.html', 403],
    ['app://tokentray/%E0%A4%A.html', 400],
    ['app://tokentray/secrets.db', 404],
  ])('%s is refused with %i', (url, status) => {
    expect(resolveAppRequest(url, root)).toEqual({ ok: false, status });
  });
});

describe('app:// protocol handler', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-protocol-'));
    await mkdir(path.join(dir, 'renderer', 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(path.join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'outside.html'), 'secret');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves files under the root with their type and the CSP header', async () => {
    const handle = createAppRequestHandler(path.join(dir, 'renderer'));
    const page = await handle(new Request('app://tokentray/'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>t</title>');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(APP_CSP);
    const script = await handle(new Request('app://tokentray/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('does not serve a file next to the root through traversal, and 404s what is missing', async () => {
    const handle = createAppRequestHandler(path.join(dir, 'renderer'));
    const escaped = await handle(new Request('app://tokentray/..%2foutside.html'));
    expect(escaped.status).toBe(403);
    expect(await escaped.text()).toBe('');
    expect((await handle(new Request('app://tokentray/missing.html'))).status).toBe(404);
  });

  it('refuses anything but GET and HEAD', async () => {
    const handle = createAppRequestHandler(path.join(dir, 'renderer'));
    const post = await handle(new Request('app://tokentray/index.html', { method: 'POST', body: 'x' }));
    expect(post.status).toBe(405);
    const head = await handle(new Request('app://tokentray/index.html', { method: 'HEAD' }));
    expect(head.status).toBe(200);
  });

  it('registers app: as standard and secure before ready, and handles it after', async () => {
    const protocol = new FakeProtocol();
    registerAppScheme(protocol.asProtocol());
    expect(protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
    serveAppProtocol(protocol.asProtocol(), path.join(dir, 'renderer'));
    const response = await protocol.handlers.get('app')?.(new Request('app://tokentray/index.html'));
    expect(response?.status).toBe(200);
  });
});
