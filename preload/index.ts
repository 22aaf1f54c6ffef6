/**
 * The sandboxed preload: exposes exactly the contract's `TokentrayApi` as `window.tokentray`.
 * Every member is a wrapper built from the channel lists in contract.ts; `ipcRenderer` and IPC
 * event objects never reach the page. Bundled into one file (a sandboxed preload can only
 * require `electron`).
 */
import { contextBridge, ipcRenderer, type IpcRenderer, type IpcRendererEvent } from 'electron';
import {
  pushChannels,
  pushSubscriberNames,
  requestChannels,
  type PushName,
  type Pushes,
  type RequestName,
  type TokentrayApi,
} from './contract.js';

/** Builds the API object over `ipc`: one invoke wrapper per request, one subscriber per push. */
export function buildTokentrayApi(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): TokentrayApi {
  const api: Record<string, unknown> = {};
  for (const name of Object.keys(requestChannels) as RequestName[]) {
    const channel = requestChannels[name];
    api[name] = (...args: unknown[]) => ipc.invoke(channel, ...args);
  }
  for (const name of Object.keys(pushChannels) as PushName[]) {
    const channel = pushChannels[name];
    api[pushSubscriberNames[name]] = (listener: (payload: Pushes[typeof name]) => void) => {
      if (typeof listener !== 'function')
        throw new TypeError(`${pushSubscriberNames[name]} needs a function`);
      // The page gets the payload only, never the event (it carries `sender`, an ipcRenderer).
      const wrapped = (_event: IpcRendererEvent, payload: Pushes[typeof name]) => listener(payload);
      ipc.on(channel, wrapped);
      return () => {
        ipc.removeListener(channel, wrapped);
      };
    };
  }
  return Object.freeze(api) as TokentrayApi;
}

contextBridge.exposeInMainWorld('tokentray', buildTokentrayApi(ipcRenderer));
