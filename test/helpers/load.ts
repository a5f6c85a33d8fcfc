/** Load for the integration tests: clients requesting in a loop while something happens to the server. */
import { Agent, request } from 'node:http';

/**
 * Keep-alive clients requesting in a loop until stopped; every answer's body (the process ID of
 * whoever served it) is recorded, and anything but a 200 counts as a failure.
 */
export function loadUntilStopped(url: string, connections: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const seen = new Set<string>();
  const failures: string[] = [];
  let answered = 0;
  let stopped = false;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent, timeout: 20_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode === 200) {
            seen.add(body);
            answered++;
          } else {
            failures.push(`status ${res.statusCode}: ${body.slice(0, 200)}`);
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => {
        failures.push(`${error.message}${req.reusedSocket ? ' (on a reused connection)' : ''}`);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: connections }, async () => {
    while (!stopped) {
      await once();
    }
  });
  return {
    seen,
    failures,
    answered: () => answered,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
