/**
 * A small HTTP client for tests over real sockets (node:http), and a cookie jar that
 * keeps cookies as a browser does for one host: name -> value, deleted by Max-Age=0.
 */
import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const agent = new Agent({ keepAlive: false });

export function httpRequest(
  port: number,
  path: string,
  options: { readonly method?: string; readonly headers?: OutgoingHttpHeaders; readonly agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: options.agent ?? agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** The Set-Cookie headers of an answer (always a list). */
export const setCookiesOf = (answer: Answer): string[] => answer.headers['set-cookie'] ?? [];

/** The Set-Cookie header for one cookie name, if the answer has one. */
export function setCookieFor(answer: Answer, name: string): string | undefined {
  return setCookiesOf(answer).find((header) => header.startsWith(`${name}=`));
}

/** The value in a Set-Cookie header. */
export function cookieValue(header: string): string {
  const pair = header.split(';', 1)[0] ?? '';
  return pair.slice(pair.indexOf('=') + 1);
}

export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(answer: Answer): this {
    for (const header of setCookiesOf(answer)) {
      const pair = header.split(';', 1)[0] ?? '';
      const name = pair.slice(0, pair.indexOf('='));
      if (/;\s*Max-Age=0(;|$)/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return this;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}
