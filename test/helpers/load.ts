/** Load for the integration tests: clients requesting in a loop while something happens to the server. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';

import { expect } from '@jest/globals';

import { REPO, waitFor } from './launcher.mjs';

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

/** wrk runs until told: what a failed test left is stopped by stopLoads() (afterEach). */
const loads: ChildProcess[] = [];

export function stopLoads(): void {
  for (const child of loads.splice(0)) {
    child.kill('SIGKILL');
  }
}

export interface Load {
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly retried: number;
  readonly failed: number;
}

/**
 * wrk for up to a minute, until `stop()`, which resolves with its count of answers that were not
 * 2xx (it counts every closed kept-alive connection as a socket error, not as one of these).
 */
export function wrk(url: string): { stop(): Promise<number> } {
  const child = spawn('wrk', ['-t', '2', '-c', '16', '-d', '60s', url]);
  loads.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  return {
    stop: async () => {
      child.kill('SIGINT'); // wrk prints its summary on SIGINT
      await exited;
      expect(out).toMatch(/\d+ requests in/);
      return Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    },
  };
}

/**
 * 16 keep-alive connections for `seconds` (bench/load-client.mjs, which sends a request again once
 * when the server closed a kept-alive connection under it, as browsers do).
 */
export function load(url: string, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      join(REPO, 'bench', 'load-client.mjs'),
      url,
      '16',
      String(seconds),
    ]);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', () => resolve(JSON.parse(out) as Load));
  });
}

/** How many connections to `port` are established (/proc/net/tcp*, state 01), client ends included. */
export function established(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .flatMap((file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(1) : []))
    .filter((line) => {
      const [, local, remote, state] = line.trim().split(/\s+/);
      return state === '01' && (local?.endsWith(hex) || remote?.endsWith(hex));
    }).length;
}

/** How many requests the server of `root` has logged (--access-log). */
export const served = (root: string) => {
  try {
    return readFileSync(join(root, 'access_log'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
};

/** A server under load: where it logs and where it answers. */
export interface Target {
  readonly root: string;
  readonly port: number;
  /** Its base URL, no trailing slash needed. */
  readonly url: string;
}

/**
 * Starts the load and resolves once its 16 connections are open and it has had 300 requests
 * served (the access log), so that what follows happens under a load in full flow.
 */
export async function underLoad<T = Promise<Load>>(
  target: Target,
  seconds: number,
  client: (url: string, seconds: number) => T = load as never,
): Promise<T> {
  const before = served(target.root);
  const loaded = client(`${target.url.replace(/\/$/, '')}/`, seconds);
  await waitFor(() => established(target.port) >= 16, 10_000, 'the load to connect');
  await waitFor(() => served(target.root) >= before + 300, 10_000, 'the load to flow');
  return loaded;
}

/** One kept-alive connection: everything read from it, and whether the server closed it. */
export class KeptAlive {
  private readonly socket: Socket;
  private received = '';
  closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.received += chunk));
    this.socket.on('error', () => (this.closed = true));
    this.socket.on('close', () => (this.closed = true));
  }

  /** Sends one GET; resolves with the status line, or undefined when the server closed the connection first. */
  async request(): Promise<string | undefined> {
    this.received = '';
    if (this.closed) {
      return undefined;
    }
    this.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    // A whole response has headers and a Content-Length body; hello.wsgi's is short.
    const complete = () => {
      const end = this.received.indexOf('\r\n\r\n');
      if (end < 0) {
        return false;
      }
      const length = /^content-length:\s*(\d+)/im.exec(this.received.slice(0, end));
      return length !== null && this.received.length >= end + 4 + Number(length[1]);
    };
    await waitFor(() => complete() || this.closed, 15_000, 'a response or the connection closed');
    return complete() ? this.received.split('\r\n')[0] : undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
