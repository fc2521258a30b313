/**
 * The renderer's Content-Security-Policy, served as a header by Electron's app:// protocol and by
 * the bridge's static server. No remote content (everything 'self'), no eval, no inline scripts,
 * no plugins, no framing. Inline *styles* stay allowed because React's style attributes and
 * plotly's injected stylesheets need them; they cannot execute code.
 */
export function contentSecurityPolicy(opts: { connect?: string[] } = {}): string {
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...(opts.connect ?? [])]],
    ['worker-src', ["'self'", 'blob:']],
    ['manifest-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['frame-src', ["'none'"]],
  ];
  return directives.map(([k, v]) => `${k} ${v.join(' ')}`).join('; ');
}
