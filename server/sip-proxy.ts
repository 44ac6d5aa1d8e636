/**
 * The browser phone's way to Asterisk: `GET /sip` upgraded to a WebSocket on Relais' own origin,
 * relayed to Asterisk's SIP WebSocket (`ws://<httpBind>:<httpPort>/ws`, subprotocol `sip`), for
 * logged-in staff only. Asterisk's HTTP server stays on loopback; the console needs one origin
 * and one port (behind the company's TLS proxy, wss://); a stranger cannot even reach SIP's
 * digest authentication from the Internet.
 */
import type { IncomingHttpHeaders, IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';

export const SIP_PATH = '/sip';

export interface SipProxyDeps {
  http: HttpServer;
  /** Asterisk's SIP WebSocket, `ws://127.0.0.1:8088/ws`. */
  upstream: string;
  /** Whether these request headers carry a staff session (the cookie). */
  allowed: (headers: IncomingHttpHeaders) => Promise<boolean>;
  log: Logger;
}

/** SIP messages are small; a register or invite with SDP stays well under this. */
const MAX_MESSAGE = 64 * 1024;

export function startSipProxy(d: SipProxyDeps): { close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== SIP_PATH) return; // Socket.IO's, or nobody's
    d.allowed(req.headers)
      .catch(() => false)
      .then((ok) => {
        if (!ok) {
          socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        wss.handleUpgrade(req, socket, head, (client) => relay(client, d));
      });
  };
  d.http.on('upgrade', onUpgrade);
  return {
    close() {
      d.http.off('upgrade', onUpgrade);
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

/** Pipes one browser WebSocket to a fresh one to Asterisk, text frames both ways, closing together. */
function relay(client: WebSocket, d: SipProxyDeps): void {
  const upstream = new WebSocket(d.upstream, 'sip', { maxPayload: MAX_MESSAGE });
  const pending: string[] = [];
  const close = () => {
    if (client.readyState === WebSocket.OPEN || client.readyState === WebSocket.CONNECTING) client.close();
    if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
  };
  client.on('message', (data, binary) => {
    if (binary) return;
    const text = data.toString();
    if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
    else pending.push(text);
  });
  upstream.on('open', () => {
    for (const text of pending.splice(0)) upstream.send(text);
  });
  upstream.on('message', (data) => {
    if (client.readyState === WebSocket.OPEN) client.send(data.toString());
  });
  upstream.on('error', (err) => d.log.warn({ err: err.message }, 'SIP WebSocket to Asterisk failed'));
  client.on('error', () => close());
  client.on('close', close);
  upstream.on('close', close);
}
