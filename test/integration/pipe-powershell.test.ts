/**
 * The README's PowerShell function for the Windows pipe (Get-TokentrayToken), driven byte for
 * byte against the real local API server's Windows branch. There is no Windows and no `pwsh`
 * here, so the PowerShell itself is not run: this test reads the function from the README, takes
 * its regular expressions and its request string from there (PowerShell's backtick escapes and
 * variables expanded as PowerShell does), and does what each of its lines does.
 *
 * The server is `startApiServer` as on Windows (`process.platform` reads 'win32' while it starts):
 * its pipe server, cookie guard and rendezvous file, in front of the real HTTP server, routes and
 * engine. On Linux `listen('\\.\pipe\tokentray-…')` binds a Unix socket of that (relative) name,
 * so the server starts in a temp folder, and the one step that differs is where the client
 * connects: `NamedPipeClientStream('.', NAME)` opens `\\.\pipe\NAME`, here that file in the folder.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COOKIE_HEX_LENGTH, parseRendezvous } from '../../main/agent/pipe-auth.js';
import { startApiServer, type ApiServer } from '../../main/agent/server.js';
import { APP_DIR_NAME, SOCKET_FILE_NAME } from '../../main/agent/socket-path.js';
import { createEngine } from '../../main/engine/index.js';
import type { Engine } from '../../main/engine/types.js';
import { testCipher } from '../helpers/engine.js';
import { makeJwt, nowSeconds } from '../peers/index.js';

const README = readFileSync(resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** The ```powershell block that defines Get-TokentrayToken. */
function powershellFunction(): string {
  const blocks = [...README.matchAll(/```powershell\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const found = blocks.find((block) => block.includes('function Get-TokentrayToken'));
  if (found === undefined) throw new Error('README has no Get-TokentrayToken function');
  return found;
}
const FUNCTION = powershellFunction();

/** The one line of the function that starts with `prefix` (after indentation). */
function line(prefix: string): string {
  const lines = FUNCTION.split('\n').filter((text) => text.trimStart().startsWith(prefix));
  if (lines.length !== 1) throw new Error(`expected one line starting ${prefix}, found ${lines.length}`);
  return (lines[0] ?? '').trim();
}

/** The single-quoted string (a .NET regular expression) after `operator` on `text`. */
function regexAfter(text: string, operator: string): RegExp {
  const match = new RegExp(`${operator} '([^']*)'`).exec(text);
  if (match === null) throw new Error(`no ${operator} '…' in: ${text}`);
  // These patterns use nothing .NET and JavaScript read differently.
  return new RegExp(match[1] ?? '');
}

/**
 * A PowerShell double-quoted string's value: backtick escapes, and the `$…` expressions in `vars`
 * (keyed by their source text). Anything else with a `$` is an error: the test would not know it.
 */
function expandDoubleQuoted(literal: string, vars: Record<string, string>): string {
  const escapes: Record<string, string> = {
    n: '\n',
    r: '\r',
    t: '\t',
    '0': '\0',
    '`': '`',
    '"': '"',
    $: '$',
  };
  let out = '';
  for (let i = 0; i < literal.length; i++) {
    const char = literal[i] ?? '';
    if (char === '`') {
      const escaped = escapes[literal[i + 1] ?? ''];
      if (escaped === undefined) throw new Error(`unknown escape in "${literal}"`);
      out += escaped;
      i++;
    } else if (char === '$') {
      const name = Object.keys(vars)
        .sort((a, b) => b.length - a.length)
        .find((key) => literal.startsWith(key, i));
      if (name === undefined) throw new Error(`unknown expression at ${literal.slice(i)}`);
      out += vars[name];
      i += name.length - 1;
    } else {
      out += char;
    }
  }
  return out;
}

/** Every double-quoted string on a line, joined by `+` as the request line does. */
function expandConcatenation(text: string, vars: Record<string, string>): string {
  const rhs = text.slice(text.indexOf('=') + 1).trim();
  const parts = rhs.split(/"\s*\+\s*"/);
  if (!rhs.startsWith('"') || !rhs.endsWith('"')) throw new Error(`not a string expression: ${rhs}`);
  return parts
    .map((part, i, all) => {
      const start = i === 0 ? 1 : 0;
      const end = i === all.length - 1 ? part.length - 1 : part.length;
      return expandDoubleQuoted(part.slice(start, end), vars);
    })
    .join('');
}

/** [Uri]::EscapeDataString: RFC 3986 unreserved characters kept, the rest percent-encoded as UTF-8. */
function escapeDataString(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

interface Outcome {
  /** Every byte the server sent, as `CopyTo` collects them. */
  received: Buffer;
  /** What the function returns ($answer.accessToken), or the message it throws. */
  result: { token: string } | { thrown: string };
}

let root: string;
let pipeDir: string;
let rendezvousFile: string;
let engine: Engine;
let server: ApiServer;
const token = makeJwt({ sub: 'powershell', exp: nowSeconds() + 3600 });
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Get-TokentrayToken, line by line: read and check the pipe file, build the request from the
 * README's own strings, connect, one Write, read to the end (an IOException ends it too), then
 * split the head from the body and read the status and the JSON as the function does.
 */
async function getTokentrayToken(
  name: string,
  opts: { minValid?: number; socketFile?: string; cookie?: (real: string) => string } = {},
): Promise<Outcome> {
  const socketFile = opts.socketFile ?? rendezvousFile;
  // $rendezvous = Get-Content -Raw -LiteralPath $SocketFile | ConvertFrom-Json
  const rendezvous = JSON.parse(await readFile(socketFile, 'utf8')) as {
    v: unknown;
    pipe: string;
    cookie: string;
  };
  // if ($rendezvous.pipe -cmatch '…') { $pipeName = $Matches[1] }
  const pipeMatch = regexAfter(line('if ($rendezvous.pipe -cmatch'), '-cmatch').exec(rendezvous.pipe);
  const pipeName = pipeMatch?.[1] ?? null;
  const cookieCheck = regexAfter(line('if ($rendezvous.v -ne 1'), '-cnotmatch');
  if (rendezvous.v !== 1 || pipeName === null || !cookieCheck.test(rendezvous.cookie)) {
    return { received: Buffer.alloc(0), result: { thrown: `${socketFile} is not a Tokentray pipe file` } };
  }
  const nameExpression = '$([Uri]::EscapeDataString($Name))';
  let path = expandConcatenation(line('$path = '), { [nameExpression]: escapeDataString(name) });
  if (opts.minValid !== undefined && opts.minValid >= 0) {
    const suffix = line('if ($MinValid -ge 0) { $path += ').match(/\$path \+= "([^"]*)"/)?.[1] ?? '';
    path += expandDoubleQuoted(suffix, { $MinValid: String(opts.minValid) });
  }
  const cookie = opts.cookie ? opts.cookie(rendezvous.cookie) : rendezvous.cookie;
  const request = expandConcatenation(line('$request = '), { '$($rendezvous.cookie)': cookie, $path: path });
  // $bytes = [System.Text.Encoding]::ASCII.GetBytes($request): non-ASCII would become '?'.
  const bytes = Buffer.from(
    [...request].map((char) => (char.charCodeAt(0) < 0x80 ? char : '?')).join(''),
    'latin1',
  );

  // NamedPipeClientStream('.', $pipeName): \\.\pipe\NAME; here the Unix socket of that name.
  const received = await new Promise<Buffer>((done, fail) => {
    const chunks: Buffer[] = [];
    const pipe = connect({ path: join(pipeDir, `\\\\.\\pipe\\${pipeName}`) });
    const timer = setTimeout(() => fail(new Error('the server neither answered nor closed in 10 s')), 10_000);
    pipe.on('connect', () => pipe.write(bytes)); // $pipe.Write($bytes, 0, $bytes.Length)
    pipe.on('data', (chunk: Buffer) => chunks.push(chunk)); // $pipe.CopyTo($received)
    pipe.on('error', () => undefined); // catch [System.IO.IOException] { }
    pipe.on('close', () => {
      clearTimeout(timer);
      done(Buffer.concat(chunks));
    });
  });

  // $response = UTF8.GetString(…); $head, $body = $response -split "`r`n`r`n", 2
  const response = received.toString('utf8');
  const split = response.indexOf('\r\n\r\n');
  const head = split < 0 ? response : response.slice(0, split);
  const body = split < 0 ? '' : response.slice(split + 4);
  // PowerShell's -notmatch is case-insensitive.
  const statusRe = regexAfter(line('if ($head -notmatch'), '-notmatch');
  const status = new RegExp(statusRe.source, 'i').exec(head);
  if (status === null) {
    return {
      received,
      result: { thrown: 'no answer on the pipe: a stale pipe file, or the cookie was refused' },
    };
  }
  const answer = JSON.parse(body) as Record<string, string>;
  if (Number(status[1]) !== 200) {
    return {
      received,
      result: { thrown: `tokentray: ${answer.message} (HTTP ${Number(status[1])} ${answer.error})` },
    };
  }
  return { received, result: { token: answer.accessToken ?? '' } };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ttps-'));
  pipeDir = join(root, 'pipes');
  const dataDir = join(root, 'data');
  await mkdir(pipeDir);
  engine = createEngine({ dataDir, cipher: testCipher(), log });
  await engine.start();
  await engine.importAccounts({
    accounts: [
      { name: 'acme', preset: 'static', token, cliAccess: true },
      { name: 'kept-back', preset: 'static', token, cliAccess: false },
    ],
  });
  rendezvousFile = join(dataDir, SOCKET_FILE_NAME);
  // As on Windows: the pipe server and its rendezvous file. cwd is the temp folder while the pipe
  // (a relative name on Linux) is bound; the platform reads 'win32' only for the synchronous start.
  const platform = Object.getOwnPropertyDescriptor(process, 'platform');
  if (platform === undefined) throw new Error('process.platform has no descriptor');
  const cwd = process.cwd();
  process.chdir(pipeDir);
  try {
    let starting: Promise<ApiServer>;
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    try {
      starting = startApiServer({ engine, socketPath: rendezvousFile, log });
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    server = await starting;
  } finally {
    process.chdir(cwd);
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('the pipe file the PowerShell function reads', () => {
  it("is the server's rendezvous file, named as the function's default (%APPDATA%\\Tokentray\\agent.sock)", async () => {
    const text = await readFile(rendezvousFile, 'utf8');
    const rendezvous = parseRendezvous(text);
    expect(rendezvous).not.toBeNull();
    expect(rendezvous?.cookie).toHaveLength(COOKIE_HEX_LENGTH);
    expect(line('[string]$SocketFile = ')).toContain(
      `Join-Path $env:APPDATA '${APP_DIR_NAME}\\${SOCKET_FILE_NAME}'`,
    );
    expect(line('[string]$SocketFile = ')).toContain('$env:TOKENTRAY_SOCKET');
    // The function's pipe pattern accepts exactly what the client half in pipe-auth.ts accepts.
    const pipeRe = regexAfter(line('if ($rendezvous.pipe -cmatch'), '-cmatch');
    expect(pipeRe.exec(rendezvous?.pipe ?? '')?.[1]).toMatch(/^tokentray-[0-9a-f]{32}$/);
    expect(pipeRe.test('\\\\.\\pipe\\evil')).toBe(false);
    expect(pipeRe.test('\\\\server\\pipe\\tokentray-0123456789abcdef0123456789abcdef')).toBe(false);
  });

  it('the function connects to the local machine with the name after \\\\.\\pipe\\', () => {
    expect(line('$pipe = ')).toBe(
      "$pipe = [System.IO.Pipes.NamedPipeClientStream]::new('.', $pipeName, [System.IO.Pipes.PipeDirection]::InOut)",
    );
    expect(line('$bytes = ')).toBe('$bytes = [System.Text.Encoding]::ASCII.GetBytes($request)');
    expect(FUNCTION).toContain('$pipe.Write($bytes, 0, $bytes.Length)');
  });
});

describe('Get-TokentrayToken over the pipe, byte for byte', () => {
  it('sends the cookie and a newline, then GET /v1/accounts/NAME/token; gets the token', async () => {
    const rendezvous = parseRendezvous(await readFile(rendezvousFile, 'utf8'));
    const request = expandConcatenation(line('$request = '), {
      '$($rendezvous.cookie)': rendezvous?.cookie ?? '',
      $path: '/v1/accounts/acme/token',
    });
    expect(request).toBe(
      `${rendezvous?.cookie}\nGET /v1/accounts/acme/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    const { received, result } = await getTokentrayToken('acme');
    expect(result).toEqual({ token });
    const text = received.toString('utf8');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({
      accessToken: token,
      tokenType: 'bearer',
    });
  });

  it('passes -MinValid as ?minValid=S', async () => {
    expect((await getTokentrayToken('acme', { minValid: 300 })).result).toEqual({ token });
  });

  it("throws the agent's message for an account without CLI access (403) and for no such account (404)", async () => {
    const denied = await getTokentrayToken('kept-back');
    expect(denied.result).toMatchObject({
      thrown: expect.stringMatching(/^tokentray: .+ \(HTTP 403 cli_access_denied\)$/),
    });
    expect(JSON.stringify(denied)).not.toContain(token);
    const missing = await getTokentrayToken('nobody');
    expect(missing.result).toEqual({
      thrown: 'tokentray: no account named "nobody" (HTTP 404 no_such_account)',
    });
  });

  it('a wrong cookie gets the pipe closed with nothing sent: the function says so', async () => {
    const flip = (cookie: string) => `${cookie.slice(0, -1)}${cookie.endsWith('0') ? '1' : '0'}`;
    const outcome = await getTokentrayToken('acme', { cookie: flip });
    expect(outcome.received.length).toBe(0);
    expect(outcome.result).toEqual({
      thrown: 'no answer on the pipe: a stale pipe file, or the cookie was refused',
    });
  });

  it("refuses a pipe file that is not Tokentray's before connecting anywhere", async () => {
    const fake = join(root, 'not-ours.sock');
    await writeFile(fake, JSON.stringify({ v: 1, pipe: '\\\\.\\pipe\\evil', cookie: 'a'.repeat(64) }));
    expect((await getTokentrayToken('acme', { socketFile: fake })).result).toEqual({
      thrown: `${fake} is not a Tokentray pipe file`,
    });
  });
});
