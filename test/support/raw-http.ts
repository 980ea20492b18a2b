/**
 * HTTP/1.1 over a bare socket, for tests that compare answers byte for byte: requests
 * go out exactly as written, and answers come back exactly as the server wrote them
 * (one char per byte), status line, every header in its order and spelling, and body.
 */
import { connect, type Socket } from 'node:net';

/** One connection, several requests in turn (keep-alive), each answer read whole. */
export class RawConnection {
  private buffered = '';
  private done = false;
  private waiting: (() => void) | undefined;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => { resolve(); }));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.done = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined); // a reset shows as a closed connection
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Whether the server has closed the connection. */
  get ended(): boolean {
    return this.done;
  }

  /** Sends `text` as it is (one byte per char). */
  write(text: string): void {
    this.socket.write(Buffer.from(text, 'latin1'));
  }

  /** The next whole answer: its headers, and its body by Content-Length (none for HEAD). */
  async read(method: string): Promise<string> {
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.buffered.slice(0, end + 4);
        const length = /\r\ncontent-length: *(\d+)\r\n/i.exec(head);
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
        const bodyLength = method === 'HEAD' || status === 204 || status === 304 ? 0 : Number(length?.[1] ?? NaN);
        if (Number.isNaN(bodyLength)) throw new Error(`an answer without Content-Length: ${JSON.stringify(head)}`);
        if (this.buffered.length >= head.length + bodyLength) {
          const answer = this.buffered.slice(0, head.length + bodyLength);
          this.buffered = this.buffered.slice(answer.length);
          return answer;
        }
      }
      if (this.done) {
        const rest = this.buffered;
        this.buffered = '';
        return rest; // whatever came before the server closed
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  /** Sends one request and reads its answer. */
  async exchange(text: string): Promise<string> {
    this.write(text);
    return this.read(text.slice(0, text.indexOf(' ')));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One request on a connection of its own. */
export async function rawExchange(port: number, text: string): Promise<string> {
  const connection = await RawConnection.open(port);
  try {
    return await connection.exchange(text);
  } finally {
    connection.close();
  }
}

/** The answer with its Date header's value left out, the one header that may differ between two servers. */
export const withoutDate = (answer: string): string => answer.replace(/\r\nDate: [^\r]*\r\n/, '\r\nDate: (left out)\r\n');
