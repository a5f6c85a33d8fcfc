/**
 * New application code without a failed request (issue 15, item 3): under a bounded load,
 * `podman exec CONTAINER /srv/express-wsgi/apachectl reload-app` replaces the mod_wsgi daemons and
 * the new code answers, with no request failed on the way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeAll, expect, it, jest } from '@jest/globals';

import { buildExampleImage, runExample, waitForAnswer } from '../helpers/example-image.js';
import { describeWithPodman, podmanOk, removeContainers, scratchDir } from '../helpers/podman.js';
import { waitFor } from '../helpers/server.js';

jest.setTimeout(180_000);
afterEach(removeContainers);

const CLIENTS = 8;
/** Requests after the new code first answered: the load goes on past the switch. */
const AFTER_SWITCH = 300;

// The version lives in a module the application imports: mod_wsgi reloads neither it nor the app
// (express-wsgi's handler script imports the app), so only reload-app can bring in the new one.
// Each request takes a while, so that some are in flight in the daemons at any moment.
const APP = `import time

import version

def application(environ, start_response):
    time.sleep(0.02)
    body = version.VERSION.encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
`;

interface Load {
  ok: number;
  failed: string[];
  seen: Map<string, number>;
  /** Resolves when the clients have stopped. */
  done: Promise<void>;
  stop(): void;
}

/** CLIENTS loops of GET, one request at a time each, on kept-alive connections (fetch's). */
function load(url: string): Load {
  let stopped = false;
  const state: Load = {
    ok: 0,
    failed: [],
    seen: new Map(),
    done: Promise.resolve(),
    stop: () => (stopped = true),
  };
  const client = async () => {
    while (!stopped) {
      try {
        const response = await fetch(url);
        const body = await response.text();
        if (response.status === 200) {
          state.ok++;
          state.seen.set(body, (state.seen.get(body) ?? 0) + 1);
        } else {
          state.failed.push(`${response.status} ${body.slice(0, 200)}`);
        }
      } catch (error) {
        state.failed.push(String((error as Error).cause ?? error));
      }
    }
  };
  state.done = Promise.all(Array.from({ length: CLIENTS }, client)).then(() => undefined);
  return state;
}

describeWithPodman('apachectl reload-app in the example container', () => {
  beforeAll(buildExampleImage, 30 * 60_000);

  it('loads the new code under load with no failed request', async () => {
    const app = scratchDir('reload-app');
    writeFileSync(join(app, 'app.wsgi'), APP, { mode: 0o644 });
    writeFileSync(join(app, 'version.py'), "VERSION = 'v1'\n", { mode: 0o644 });
    const container = await runExample('reload', { run: ['--volume', `${app}:/app:ro`] });
    await waitForAnswer(container);

    const traffic = load(container.url);
    try {
      await waitFor(() => traffic.ok >= 100, 30_000, 'the load to get going');
      writeFileSync(join(app, 'version.py'), "VERSION = 'v2'\n");
      const before = traffic.ok;
      await waitFor(() => traffic.ok >= before + 100, 30_000, 'more requests on the old code');
      // Not reloaded yet: the old daemons keep the module they imported.
      expect([...traffic.seen.keys()]).toEqual(['v1']);

      const started = Date.now();
      await podmanOk(['exec', container.name, '/srv/express-wsgi/apachectl', 'reload-app'], {
        timeoutMs: 120_000,
      });
      const reloadMs = Date.now() - started;
      await waitFor(() => traffic.seen.has('v2'), 30_000, 'the new code to answer');
      const atSwitch = traffic.ok;
      await waitFor(() => traffic.ok >= atSwitch + AFTER_SWITCH, 60_000, 'requests on the new code');
      traffic.stop();
      await traffic.done;
      process.stderr.write(
        `express-wsgi: reload-app under load (${CLIENTS} clients): ${traffic.ok} requests ok, ${traffic.failed.length} failed, ` +
          `v1 ${traffic.seen.get('v1')} / v2 ${traffic.seen.get('v2')}, reload-app took ${reloadMs} ms\n`,
      );
      expect(traffic.failed).toEqual([]);
      // Once the new code answered, the old one no longer does.
      const last = await (await fetch(container.url)).text();
      expect(last).toBe('v2');
    } finally {
      traffic.stop();
      await traffic.done;
    }
  });
});
