// A load client that counts what a user would see fail. wrk counts as an error every keep-alive
// connection the server closes just as the next request goes out, a race that RFC 9112 §9.3.1 lets
// clients settle by sending an idempotent request again on a new connection, as browsers do. This
// client does that (and counts it as "retried"); anything else is a failure: a non-2xx answer, an
// error on a fresh connection, or a second error for the same request.
//   node bench/load-client.mjs URL CONNECTIONS SECONDS   → one line of JSON on stdout
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

const [url, connections = '16', seconds = '5'] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
const until = Date.now() + Number(seconds) * 1000;
const latencies = [];
let requests = 0;
let non2xx = 0;
let errors = 0;
let retried = 0;

/** One request; `fresh`: on a connection of its own (agent false), not one of the pool's. */
function attempt(fresh = false) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(url, { agent: fresh ? false : agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ error, reused: req.reusedSocket }));
    req.end();
  });
}

async function loop() {
  while (Date.now() < until) {
    let result = await attempt();
    if (result.error && result.reused) {
      retried++;
      // A new connection, as the RFC says: the pool's next idle one may be closed under it as well
      // (an Apache's graceful stop closes all its idle kept-alive connections at once).
      result = await attempt(true);
    }
    requests++;
    if (result.error) {
      errors++;
    } else {
      latencies.push(result.ms);
      if (result.status < 200 || result.status > 299) {
        non2xx++;
      }
    }
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: Number(connections) }, loop));
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({
    requests,
    rps: requests / ((Date.now() - started) / 1000),
    non2xx,
    errors,
    retried,
    failed: non2xx + errors,
    p50: pct(50),
    p99: pct(99),
  })}\n`,
);
