// A browser's part in the pages' protocol, over plain HTTP: a cookie jar, redirects followed by
// hand (so each hop can be checked), and the CSRF token read from the form of the page shown.

export type PageResponse = { status: number; url: string; headers: Headers; body: string };

export class WebSession {
  private readonly jar = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieNames(): string[] {
    return [...this.jar.keys()];
  }

  /** GET, following redirects (at most 10), carrying cookies as a browser would. */
  async get(path: string): Promise<PageResponse> {
    return this.follow(await this.send('GET', new URL(path, this.baseUrl).toString()));
  }

  /** A form post (urlencoded) and the redirects after it. */
  async post(path: string, fields: Record<string, string | string[]>): Promise<PageResponse> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) for (const v of ([] as string[]).concat(value)) body.append(name, v);
    return this.follow(
      await this.send('POST', new URL(path, this.baseUrl).toString(), { body: body.toString(), contentType: 'application/x-www-form-urlencoded' }),
    );
  }

  /** A multipart post (a file upload form). */
  async postMultipart(path: string, form: FormData): Promise<PageResponse> {
    return this.follow(await this.send('POST', new URL(path, this.baseUrl).toString(), { form }));
  }

  async send(
    method: string,
    url: string,
    content: { body?: string; contentType?: string; form?: FormData } = {},
  ): Promise<PageResponse & { location?: string }> {
    const target = new URL(url);
    const cookie = target.origin === new URL(this.baseUrl).origin ? [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(content.contentType ? { 'content-type': content.contentType } : {}) },
      body: content.form ?? content.body,
    });
    if (target.origin === new URL(this.baseUrl).origin) this.keepCookies(response.headers.getSetCookie());
    const location = response.headers.get('location') ?? undefined;
    return {
      status: response.status,
      url,
      headers: response.headers,
      body: await response.text(),
      ...(location ? { location: new URL(location, url).toString() } : {}),
    };
  }

  private async follow(first: PageResponse & { location?: string }): Promise<PageResponse> {
    let current = first;
    for (let hop = 0; hop < 10 && current.location && [301, 302, 303, 307].includes(current.status); hop++) current = await this.send('GET', current.location);
    return current;
  }

  private keepCookies(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired =
        attributes.some((a) => /^\s*expires=/i.test(a) && new Date(a.split('=')[1]).getTime() < Date.now()) || attributes.some((a) => /^\s*max-age=0/i.test(a));
      if (expired) this.jar.delete(name);
      else this.jar.set(name, pair.slice(at + 1).trim());
    }
  }
}

/** The value of the hidden `_csrf` field of the page's first form. */
export function csrfOf(page: PageResponse): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
  if (!match) throw new Error(`no CSRF field on ${page.url} (status ${page.status})`);
  return match[1];
}

/** An input's value (e.g. the version a form sends back as If-Match). */
export function fieldOf(page: PageResponse, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(page.body);
  if (!match) throw new Error(`no field ${name} on ${page.url}`);
  return match[1];
}

/** Text content, roughly (tags dropped, entities left), for assertions on what a page says. */
export function textOf(page: PageResponse): string {
  return page.body
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}
