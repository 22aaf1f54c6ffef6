/**
 * How the packages ship the standalone `tokentray` executable (issue #10): every package carries
 * it as <resources>/bin/tokentray; the deb links /usr/bin/tokentray to it (its after-install and
 * after-remove scripts, electron-builder's templates with the link changed, run here against stub
 * commands) and ships the headless agent's systemd user unit. `npm run dist` itself needs the
 * Electron download and is not run here.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';

const require = createRequire(import.meta.url);
const config = require(join(ROOT, 'electron-builder.cjs')) as {
  extraResources: { from: string; to: string; filter?: string[] }[];
  linux: { executableName: string };
  deb: { afterInstall: string; afterRemove: string; fpm: string[] };
};
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const TEMPLATES = join(ROOT, 'node_modules/app-builder-lib/templates/linux');
const UNIT = join(ROOT, 'build/systemd/tokentray-agent.service');
const MACROS = { executable: 'tokentray', sanitizedProductName: 'Tokentray', productFilename: 'Tokentray' };
const CLI_PATH = '/opt/Tokentray/resources/bin/tokentray';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ttpkg-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** electron-builder's rendering of a script template: `${name}` macros, an unknown one is an error. */
function render(file: string): string {
  return readFileSync(file, 'utf8').replace(/\${([a-zA-Z]+)}/g, (_match, name: string) => {
    if (!(name in MACROS)) throw new Error(`Macro ${name} is not defined (${file})`);
    return MACROS[name as keyof typeof MACROS];
  });
}

/**
 * Runs a rendered script with a PATH of stubs only: every command it calls is logged, none acts
 * (the script's paths are the real system's, so nothing real may run). `update-alternatives`
 * behaves as on Debian; `apparmor_status` says AppArmor is off.
 */
function runWithStubs(script: string): string[] {
  const dir = join(root, `stubs-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  const log = join(dir, 'calls.log');
  const commands = ['update-alternatives', 'ln', 'rm', 'readlink', 'chmod', 'unshare', 'cp'];
  commands.push('update-mime-database', 'update-desktop-database', 'apparmor_status', 'apparmor_parser');
  for (const name of commands) {
    const status = name === 'apparmor_status' ? 1 : 0;
    writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\nexit ${status}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const file = join(dir, 'script.sh');
  writeFileSync(file, script);
  const ran = spawnSync('/bin/bash', [file, 'configure'], { env: { PATH: dir }, encoding: 'utf8' });
  expect(ran.status, ran.stderr).toBe(0);
  return existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : [];
}

/** Lines of `ours` that the template lacks and lines of the template that `ours` lacks (comments aside). */
function lineDiff(template: string, ours: string): { added: string[]; removed: string[] } {
  const code = (text: string) => text.split('\n').filter((l) => !/^\s*#/.test(l) && l.trim() !== '');
  const a = code(template);
  const b = code(ours);
  return { added: b.filter((l) => !a.includes(l)), removed: a.filter((l) => !b.includes(l)) };
}

describe('every package', () => {
  it('carries the executable as <resources>/bin/tokentray[.exe], built by npm run dist first', () => {
    expect(config.extraResources).toContainEqual({
      from: 'dist/cli-exe',
      to: 'bin',
      filter: ['tokentray', 'tokentray.exe'],
    });
    expect(pkg.scripts['build:cli-exe']).toBe('node scripts/build.mjs cli-exe');
    // The bundled CLI is two files: the entry requires commands.cjs beside it (main/cli/index.ts).
    expect(config.extraResources).toContainEqual({
      from: 'dist/cli',
      to: 'cli',
      filter: ['tokentray.cjs', 'commands.cjs'],
    });
    expect(pkg.scripts.dist).toMatch(/npm run build:cli-exe && electron-builder$/);
  });
});

describe('the deb', () => {
  it('after-install links /usr/bin/tokentray to the executable and drops the old link to the app', () => {
    expect(config.linux.executableName).toBe('tokentray');
    const calls = runWithStubs(render(join(ROOT, config.deb.afterInstall)));
    expect(calls).toContain('update-alternatives --remove tokentray /opt/Tokentray/tokentray');
    expect(calls).toContain(`update-alternatives --install /usr/bin/tokentray tokentray ${CLI_PATH} 100`);
    expect(calls.filter((c) => c.startsWith('update-alternatives --install'))).toHaveLength(1);
    // The rest is electron-builder's: the sandbox helper's mode, the desktop database.
    expect(calls).toContain('chmod 0755 /opt/Tokentray/chrome-sandbox');
    expect(calls).toContain('update-desktop-database /usr/share/applications');
  });

  it('after-remove removes that alternative', () => {
    const calls = runWithStubs(render(join(ROOT, config.deb.afterRemove)));
    expect(calls[0]).toBe(`update-alternatives --remove tokentray ${CLI_PATH}`);
  });

  it("both scripts are electron-builder's templates but for the link (re-derive them when it changes)", () => {
    const install = lineDiff(
      readFileSync(join(TEMPLATES, 'after-install.tpl'), 'utf8'),
      readFileSync(join(ROOT, config.deb.afterInstall), 'utf8'),
    );
    expect(install.removed).toEqual([
      "    update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/${executable}' 100 || ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'",
      "    ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'",
    ]);
    expect(install.added.every((l) => /TOKENTRAY_CLI|--remove '\${executable}'/.test(l))).toBe(true);
    const remove = lineDiff(
      readFileSync(join(TEMPLATES, 'after-remove.tpl'), 'utf8'),
      readFileSync(join(ROOT, config.deb.afterRemove), 'utf8'),
    );
    expect(remove.removed).toEqual([
      "    update-alternatives --remove '${executable}' '/opt/${sanitizedProductName}/${executable}'",
    ]);
    expect(remove.added).toEqual([
      "    update-alternatives --remove '${executable}' '/opt/${sanitizedProductName}/resources/bin/${executable}'",
    ]);
  });

  it('ships the systemd user unit, disabled (no enable in the scripts)', () => {
    expect(config.deb.fpm).toEqual([`${UNIT}=/usr/lib/systemd/user/tokentray-agent.service`]);
    expect(existsSync(UNIT)).toBe(true);
    for (const file of [config.deb.afterInstall, config.deb.afterRemove]) {
      expect(readFileSync(join(ROOT, file), 'utf8')).not.toMatch(/systemctl|tokentray-agent/);
    }
  });
});

describe('the systemd unit', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];

  it('runs the executable as the agent and allows more than one token request (30 s) to stop', () => {
    expect(value('ExecStart')).toBe(
      '/usr/bin/tokentray agent --data-dir %h/.local/share/tokentray-agent --passphrase-file %h/.config/tokentray/agent.pass',
    );
    expect(Number(value('TimeoutStopSec'))).toBeGreaterThan(30);
    expect(value('KillSignal')).toBe('SIGTERM');
    expect(value('RestartPreventExitStatus')).toBe('2');
    expect(value('UMask')).toBe('0077');
    expect(value('WantedBy')).toBe('default.target');
  });

  it('is what the README shows', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const key of ['ExecStart', 'TimeoutStopSec', 'Restart', 'RestartPreventExitStatus']) {
      expect(readme.includes(`\n${key}=${value(key)}\n`), `README: ${key}=${value(key)}`).toBe(true);
    }
  });

  it('passes systemd-analyze verify', (context) => {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
      context.skip('systemd-analyze is not installed');
      return;
    }
    // verify wants ExecStart's binary to exist: the same unit with a binary that does.
    const copy = join(root, 'tokentray-agent.service');
    writeFileSync(copy, unit.replace('ExecStart=/usr/bin/tokentray ', `ExecStart=${process.execPath} `));
    const verified = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', cwd: root });
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
  });
});
