/**
 * Lingering close: when the server answers before it has read the whole request body (a body
 * over the limit, a refused upload), the client is usually still sending. Closing the socket
 * then makes the kernel answer the unread bytes with a reset, and a reset makes the client's
 * kernel drop the answer it has not read yet: the client sees ECONNRESET instead of the error
 * JSON. So the socket is half-closed after the answer (FIN) and what the client still sends is
 * read and discarded for a bounded time, as web servers do.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How long unread request bytes are drained after an early answer before the socket is dropped. */
export const LINGER_MS = 2_000;

const lingering = new WeakSet<Socket>();

/**
 * Call before answering `request`: if its body is not fully read, the connection's close after
 * the answer becomes a half-close followed by draining, ended after `lingerMs` at the latest.
 */
export function lingerIfBodyUnread(request: IncomingMessage, lingerMs: number = LINGER_MS): void {
  const socket = request.socket as Socket | null;
  if (request.complete || socket === null || socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  // Node closes a connection that will not be reused with `destroySoon()` once the answer is
  // written; this replaces it on this socket only.
  socket.destroySoon = function lingeringClose(this: Socket): void {
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    // Node's HTTP server already discards the rest of an unconsumed request body; the socket
    // keeps reading it until the client stops sending or the timer ends the connection.
    request.resume();
    this.end();
  };
}
