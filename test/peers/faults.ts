/** Fault injection for loopback peers: one-shot or persistent misbehaviour of token requests. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Fault =
  | {
      kind: 'status';
      status: number;
      body?: string;
      contentType?: string;
      headers?: Record<string, string>;
    }
  /** Accept the request and never answer (released when the peer closes). */
  | { kind: 'hang' }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** Give the normal answer, but only after `ms` milliseconds. */
  | { kind: 'delay'; ms: number }
  /**
   * Act on the request at once (a refresh token is spent, a new one issued), but hold the answer
   * back for `ms` milliseconds: a request the server has acted on while the client waits.
   */
  | { kind: 'late'; ms: number }
  /**
   * Answer 200 application/json with a chunked body (no Content-Length) of `bytes` bytes, written
   * as fast as the client reads; `stats.written` counts what went out, `stats.closed` is set when
   * the connection ended (the client gave up, or the body was complete).
   */
  | { kind: 'flood'; bytes: number; stats?: FloodStats }
  /** Give the normal answer (to queue a fault for a later request). */
  | { kind: 'pass' };

/** What a `flood` fault managed to send. */
export interface FloodStats {
  written: number;
  closed: boolean;
}

/** Queue of faults; the peer consults it once per token request. */
export class FaultQueue {
  private readonly queue: Fault[] = [];
  private persistent: Fault | undefined;

  /** Queues a one-shot fault for the next token request (after earlier queued ones). */
  push(fault: Fault): this {
    this.queue.push(fault);
    return this;
  }

  /** Applies `fault` to every token request until `clear()` (one-shot faults still go first). */
  always(fault: Fault): this {
    this.persistent = fault;
    return this;
  }

  /** Drops all queued and persistent faults. */
  clear(): this {
    this.queue.length = 0;
    this.persistent = undefined;
    return this;
  }

  /** Number of one-shot faults still queued. */
  get pending(): number {
    return this.queue.length;
  }

  /** Takes the fault for the current request, if any. */
  take(): Fault | undefined {
    return this.queue.shift() ?? this.persistent;
  }
}

/** Serves `fault`; returns true when the request has been dealt with (the normal handler must not run). */
export async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'status': {
      const body = fault.body ?? '';
      const contentType =
        fault.contentType ?? (/^\s*[[{]/.test(body) ? 'application/json' : 'text/plain; charset=utf-8');
      res.writeHead(fault.status, { 'content-type': contentType, ...fault.headers });
      res.end(body);
      return true;
    }
    case 'hang':
      return true; // never answered; close() destroys the socket
    case 'reset':
      req.socket.destroy();
      return true;
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return res.destroyed;
    case 'late': {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      const held = (...args: unknown[]): ServerResponse => {
        const timer = setTimeout(() => {
          if (!res.destroyed) end(...args);
        }, fault.ms);
        res.once('close', () => clearTimeout(timer));
        return res;
      };
      res.end = held as ServerResponse['end'];
      return false;
    }
    case 'flood':
      await flood(res, fault.bytes, fault.stats ?? { written: 0, closed: false });
      return true;
    case 'pass':
      return false;
  }
}

/** Writes `bytes` of a JSON-looking body in 64 KiB chunks, waiting for the client to drain each. */
async function flood(res: ServerResponse, bytes: number, stats: FloodStats): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.once('close', () => {
    stats.closed = true;
  });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  res.write('{"access_token":"');
  while (stats.written < bytes && !res.destroyed) {
    const ok = res.write(chunk);
    stats.written += chunk.length;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end('"}');
}
