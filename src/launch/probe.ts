/** The readiness probe: whether Apache answers HTTP on the address it listens on. */
import { connect } from 'node:net';

/**
 * Where to knock to see Apache answer: the listen address without the brackets Apache's Listen
 * takes for IPv6 (`[::1]`), and loopback when it listens everywhere (`0.0.0.0`, `::`).
 */
export function probeHost(host: string | undefined): string {
  const bare = host?.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (!bare || bare === '0.0.0.0') {
    return '127.0.0.1';
  }
  return bare === '::' ? '::1' : bare;
}

/**
 * Resolves true once Apache answers an HTTP request on host:port, false when stopped first.
 * `OPTIONS *` is answered by Apache's core without reaching the application, and a status line
 * (not just an accepted connection) means the server finished starting.
 */
export function waitForHttp(host: string, port: number, until: () => boolean): Promise<boolean> {
  // A refused connection costs next to nothing; Apache is typically up within 50 ms.
  const POLL_MS = 10;
  const hostHeader = host.includes(':') ? `[${host}]` : host;
  return new Promise((resolve) => {
    const attempt = () => {
      if (until()) {
        resolve(false);
        return;
      }
      let answer = '';
      const socket = connect({ host, port });
      socket.setTimeout(2000);
      socket.once('connect', () => socket.write(`OPTIONS * HTTP/1.0\r\nHost: ${hostHeader}\r\n\r\n`));
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        if (answer.length >= 5) {
          socket.destroy();
          if (answer.startsWith('HTTP/')) {
            resolve(true);
          } else {
            setTimeout(attempt, POLL_MS);
          }
        }
      });
      const retry = () => {
        socket.destroy();
        setTimeout(attempt, POLL_MS);
      };
      socket.once('error', retry);
      socket.once('timeout', retry);
      socket.once('end', () => answer.length < 5 && retry());
    };
    attempt();
  });
}
