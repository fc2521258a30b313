/**
 * The app:// protocol that serves the built renderer to the window, with the CSP as a response
 * header (file:// would allow reading any local file and cannot carry headers).
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../app/security/csp.ts';

export const APP_SCHEME = 'app';

/** Privileges for protocol.registerSchemesAsPrivileged (before app ready). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false },
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export async function appProtocolResponse(requestUrl: string, rendererDir: string): Promise<Response> {
  const root = resolve(rendererDir);
  const headers = { 'Content-Security-Policy': contentSecurityPolicy(), 'X-Content-Type-Options': 'nosniff' };
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return new Response('bad url', { status: 400, headers });
  }
  if (url.host !== 'renderer') return new Response('not found', { status: 404, headers });
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
  } catch {
    // A malformed %-escape: a bad request, not an exception in the protocol handler.
    return new Response('bad url', { status: 400, headers });
  }
  if (rel.includes('\0')) return new Response('bad url', { status: 400, headers });
  const file = normalize(join(root, rel));
  if (!file.startsWith(root + sep)) return new Response('not found', { status: 404, headers });
  try {
    const body = await readFile(file);
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' } });
  } catch {
    return new Response('not found', { status: 404, headers });
  }
}
