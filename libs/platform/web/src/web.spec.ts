import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { Response } from 'express';
import { Web, securityHeaders } from './web';

const web = new Web(
  {
    serviceName: 'Airlock: outputs',
    cookieName: 'airlock_test',
    basePath: '/web',
    publicUrl: 'http://127.0.0.1:1',
    sessionSecret: randomBytes(32),
    secureCookies: false,
    oidc: { discoveryUrl: 'http://127.0.0.1:1/.well-known/openid-configuration', clientId: 'airlock-web' },
  },
  pino({ level: 'silent' }),
);

describe('Web', () => {
  it.each([
    ['/web/requests/1?tab=files', '/web/requests/1?tab=files'],
    ['/web/', '/web/'],
    ['https://evil.example/web/', '/web/'],
    ['//evil.example/web/', '/web/'],
    ['/web//evil.example', '/web/'],
    ['/web/\\evil', '/web/'],
    ['/web/\r\nSet-Cookie: x=1', '/web/'],
    ['/admin', '/web/'],
    [undefined, '/web/'],
    [`/web/${'a'.repeat(2000)}`, '/web/'],
  ])('returns after sign-in only to a path of its own pages: %p -> %p', (asked, returned) => {
    expect(web.safeReturnTo(asked)).toBe(returned);
  });

  it('escapes what people wrote, and puts the CSRF token of the session in its forms', () => {
    const html = web.renderPage(
      'web-error.njk',
      { title: '<script>alert(1)</script>', message: '"><img src=x onerror=alert(1)>' },
      { sid: 's', csrf: 'the-token', user: { userId: 'alice', roles: ['researcher'], token: 't' } },
    );
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('name="_csrf" value="the-token"');
    // The access token never reaches the page.
    expect(html).not.toMatch(/value="t"/);
  });

  it('sets a Content-Security-Policy without inline script or style, and no framing', () => {
    const headers: Record<string, string> = {};
    securityHeaders({ set: (values: Record<string, string>) => Object.assign(headers, values) } as unknown as Response);
    expect(headers['Content-Security-Policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(headers['X-Frame-Options']).toBe('DENY');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });
});
