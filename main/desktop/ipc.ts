/**
 * The only file that touches `ipcMain`. Every request is checked before it reaches the handlers:
 * a live top-level frame of the app's own origin, and arguments that fit the channel's schema.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import {
  requestChannels,
  type RequestHandlers,
  type RequestName,
  type Requests,
} from '../../preload/contract.js';
import { isAppUrl } from './app-origin.js';
import { describeIssues, requestSchemas } from './ipc-schemas.js';

/** What the check reads of a `WebFrameMain`. */
export interface SenderFrame {
  readonly url: string;
  readonly parent: SenderFrame | null;
}

/** Why a request from `frame` must be refused, or null when it comes from the app's top frame. */
export function senderRejection(frame: SenderFrame | null): string | null {
  // The frame is null when it navigated away or was destroyed before the message was handled; a
  // frame disposed while still referenced throws from its getters instead ("Render frame was
  // disposed before WebFrameMain could be accessed", Electron's web_frame_main CheckRenderFrame).
  if (frame === null) return 'the sending frame is gone';
  let parent: SenderFrame['parent'];
  let url: string;
  try {
    parent = frame.parent;
    url = frame.url;
  } catch {
    return 'the sending frame is gone';
  }
  if (parent !== null) return 'requests from subframes are refused';
  if (!isAppUrl(url)) return 'requests from outside the app origin are refused';
  return null;
}

export class IpcRejectedError extends Error {
  override readonly name = 'IpcRejectedError';
}

type InvokeEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;

/** Checks the sender and the payload of one request, then runs its handler. */
export async function dispatchRequest<K extends RequestName>(
  handlers: RequestHandlers,
  name: K,
  event: InvokeEvent,
  args: unknown[],
): Promise<Requests[K]['result']> {
  const rejection = senderRejection(event.senderFrame);
  if (rejection !== null) throw new IpcRejectedError(`${name}: ${rejection}`);
  const parsed = requestSchemas[name].safeParse(args);
  if (!parsed.success) throw new IpcRejectedError(describeIssues(name, parsed.error.issues));
  const handler = handlers[name] as (...a: Requests[K]['args']) => Promise<Requests[K]['result']>;
  return handler(...(parsed.data as Requests[K]['args']));
}

/** Registers a checked handler for every contract channel; returns a function that removes them. */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: RequestHandlers,
  log: (message: string) => void,
): () => void {
  const names = Object.keys(requestChannels) as RequestName[];
  for (const name of names) {
    ipcMain.handle(requestChannels[name], async (event, ...args: unknown[]) => {
      try {
        return await dispatchRequest(handlers, name, event, args);
      } catch (error) {
        // Only the message crosses to the renderer; keep a line here for whoever debugs it.
        if (error instanceof IpcRejectedError) log(`ipc refused: ${error.message}`);
        throw error;
      }
    });
  }
  return () => names.forEach((name) => ipcMain.removeHandler(requestChannels[name]));
}
