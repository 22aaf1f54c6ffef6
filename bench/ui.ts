/**
 * Benchmark: time to first paint of the account list with 1,000 accounts, in Debian's headless
 * Chromium, against the real engine through the UI test bridge. Prints where the time goes:
 * page load, the data crossing the bridge, and the renderer's own work until the rows are painted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandlers } from '../main/app/handlers.js';
import { createEngine, openPassphraseCipher } from '../main/engine/index.js';
import { createBridgeHost } from '../test/ui/bridge.js';
import { ensureRendererBuilt, launchChromium, RENDERER_DIST } from '../test/ui/browser.js';
import { createFakeClipboard } from '../test/ui/fake-clipboard.js';
import { seedMany } from '../test/ui/fixtures.js';
import { createMemorySettings } from '../test/ui/harness.js';
import { serveStatic } from '../test/ui/static-server.js';

const ACCOUNTS = 1000;
const RUNS = 7;

interface Sample {
  /** Navigation start → the page's scripts ran (DOMContentLoaded). */
  domContentLoaded: number;
  /** Navigation start → the account list arrived from the engine. */
  listArrived: number;
  /** Navigation start → the first row was in the DOM. */
  firstRow: number;
  /** Navigation start → the frame showing the rows was painted. */
  painted: number;
  rowsRendered: number;
  /** Typing a filter → the filtered list painted. */
  filterPainted: number;
}

/** Installed before the page's own scripts: notes when the first row appears and when that frame paints. */
function watchFirstRow(): void {
  const marks: Record<string, number> = {};
  Object.defineProperty(window, '__benchMarks', { value: marks });
  const observer = new MutationObserver(() => {
    if (marks.firstRow === undefined && document.querySelector('[role="option"]')) {
      marks.firstRow = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => (marks.painted = performance.now()), 0));
    }
  });
  document.addEventListener('DOMContentLoaded', () => {
    marks.domContentLoaded = performance.now();
    observer.observe(document.body, { childList: true, subtree: true });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Runs the benchmark and prints the medians of RUNS page loads. */
export async function benchUi(): Promise<void> {
  await ensureRendererBuilt();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-bench-ui-'));
  const server = await serveStatic(RENDERER_DIST);
  const browser = await launchChromium();
  const engine = createEngine({ dataDir, cipher: await openPassphraseCipher(dataDir, 'bench-passphrase') });
  try {
    await engine.start();
    await seedMany(engine, ACCOUNTS);
    const handlers = createRequestHandlers({
      engine,
      clipboard: createFakeClipboard(),
      settings: createMemorySettings(),
      saveExport: async () => null,
      pausedChanged: () => undefined,
      quit: () => undefined,
      appInfo: () => ({
        version: 'bench',
        platform: process.platform,
        storageProtection: 'passphrase',
        storageWarning: null,
        cliCommand: 'tokentray',
        notices: [],
        setAsideAccounts: [],
      }),
    });
    const context = await browser.newContext({ viewport: { width: 1180, height: 780 } });
    const page = await context.newPage();
    const host = await createBridgeHost(page);
    await page.addInitScript(watchFirstRow);
    const bridge = host.attach(handlers, engine);

    const samples: Sample[] = [];
    for (let run = 0; run < RUNS; run++) {
      await page.goto('about:blank');
      await page.goto(server.url);
      await page.waitForFunction(
        () =>
          (window as unknown as { __benchMarks: Record<string, number> }).__benchMarks.painted !== undefined,
        undefined,
        {
          timeout: 30_000,
        },
      );
      const marks = await page.evaluate(() => ({
        ...(
          window as unknown as {
            __benchMarks: { domContentLoaded?: number; firstRow?: number; painted?: number };
          }
        ).__benchMarks,
        listArrived: (
          window as unknown as { __tokentrayReplies: { method: string; at: number }[] }
        ).__tokentrayReplies.find((r) => r.method === 'listAccounts')?.at,
        rows: document.querySelectorAll('[role="option"]').length,
      }));
      const filterPainted = await page.evaluate(async () => {
        const input = document.querySelector<HTMLInputElement>('input[type="search"]')!;
        const start = performance.now();
        input.value = 'tenant-05';
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise<void>((resolve) => {
          const check = () =>
            document.querySelector('[data-testid="account-count"]')?.textContent?.startsWith('100 of')
              ? resolve()
              : requestAnimationFrame(check);
          check();
        });
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        return performance.now() - start;
      });
      samples.push({
        domContentLoaded: marks.domContentLoaded ?? NaN,
        listArrived: marks.listArrived ?? NaN,
        firstRow: marks.firstRow ?? NaN,
        painted: marks.painted ?? NaN,
        rowsRendered: marks.rows,
        filterPainted,
      });
    }
    bridge.dispose();
    await context.close();

    const m = (key: keyof Sample) => median(samples.map((s) => s[key])).toFixed(0);
    console.log(
      `ui: ${ACCOUNTS} accounts, median of ${RUNS} loads in headless Chromium (ms from navigation start)`,
    );
    console.log(`ui:   page scripts ran (DOMContentLoaded)   ${m('domContentLoaded')}`);
    console.log(`ui:   account list arrived over the bridge  ${m('listArrived')}`);
    console.log(`ui:   first row in the DOM                  ${m('firstRow')}`);
    console.log(`ui:   first paint of the list               ${m('painted')}`);
    console.log(
      `ui:   renderer's own share (arrived→paint)  ${median(samples.map((s) => s.painted - s.listArrived)).toFixed(0)}`,
    );
    console.log(`ui:   rows in the DOM                       ${m('rowsRendered')} of ${ACCOUNTS}`);
    console.log(`ui:   filter typed → filtered list painted  ${m('filterPainted')}`);
  } finally {
    await engine.stop();
    await browser.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchUi();
