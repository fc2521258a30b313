/**
 * Serves the built renderer (dist/renderer) on loopback with the app's CSP, for the browser
 * bridge. Only files inside the folder are served; anything else is 404.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../security/csp.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** A connect-style handler (vite's dev middlewares) that serves instead of the built files. */
export type DevMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The request's path inside the served folder, or undefined for a malformed URL (bad %-escapes, NUL). */
export function requestPath(rawUrl: string | undefined): string | undefined {
  try {
    const rel = decodeURIComponent(new URL(rawUrl ?? '/', 'http://localhost').pathname);
    return rel.includes('\0') ? undefined : rel;
  } catch {
    return undefined;
  }
}

/**
 * Every path through the handler answers (bad URIs get 400, failures 500) and no exception escapes
 * it: any local process, or a web page, can send this server anything.
 */
export function createStaticServer(rootDir: string, connectSrc: () => string[], dev?: () => DevMiddleware | null): Server {
  const root = resolve(rootDir);
  const server = createServer((req, res) => {
    const fail = (status: number, text: string) => {
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(text);
    };
    res.on('error', () => res.destroy());
    try {
      const middleware = dev?.();
      if (middleware) {
        res.setHeader('Content-Security-Policy', contentSecurityPolicy({ connect: connectSrc() }));
        middleware(req, res, () => fail(404, 'not found'));
        return;
      }
    } catch {
      fail(500, 'internal error');
      return;
    }
    void (async () => {
      let rel = requestPath(req.url);
      if (rel === undefined) {
        fail(400, 'bad request');
        return;
      }
      if (rel.endsWith('/')) rel += 'index.html';
      const file = normalize(join(root, rel));
      const headers = {
        'Content-Security-Policy': contentSecurityPolicy({ connect: connectSrc() }),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, headers).end();
        return;
      }
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(404, headers).end('not found');
        return;
      }
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a file');
        const body = await readFile(file);
        res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404, headers).end('not found');
      }
    })().catch(() => fail(500, 'internal error'));
  });
  // Malformed HTTP (bad request line, oversized headers, a reset): answer 400 if possible, never throw.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
