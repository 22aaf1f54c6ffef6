/** The CLI's minimal HTTP/1.1 response reader (it talks to the agent over node:net). */
import { describe, expect, it } from 'vitest';
import { decodeChunked, parseResponse } from '../../main/cli/client.js';

const raw = (text: string) => Buffer.from(text, 'latin1');

describe('parseResponse', () => {
  it('reads status and a Content-Length body', () => {
    const answer = parseResponse(raw('HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\nX: y\r\n\r\n{"a":1}'));
    expect(answer?.status).toBe(404);
    expect(answer?.body.toString()).toBe('{"a":1}');
  });

  it('decodes a chunked body', () => {
    const answer = parseResponse(
      raw('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n{"a\r\n4;ext=1\r\n":1}\r\n0\r\n\r\n'),
    );
    expect(answer?.body.toString()).toBe('{"a":1}');
  });

  it('refuses truncated or foreign answers', () => {
    expect(parseResponse(raw('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'))).toBeNull();
    expect(parseResponse(raw('HTTP/1.1 200 OK\r\nContent-Length: 10'))).toBeNull();
    expect(parseResponse(raw('SSH-2.0-OpenSSH_9.6\r\n\r\n'))).toBeNull();
    expect(decodeChunked(raw('zz\r\n'))).toBeNull();
    expect(decodeChunked(raw('5\r\nab'))).toBeNull();
  });
});
