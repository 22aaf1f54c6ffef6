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
  /** Give the normal answer (to queue a fault for a later request). */
  | { kind: 'pass' };

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
    case 'pass':
      return false;
  }
}
