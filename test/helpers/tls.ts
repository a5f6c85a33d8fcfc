/** TLS for the integration tests: a self-signed certificate made with openssl, and GETs over TLS. */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';

/**
 * DIR/NAME.crt and DIR/NAME.key, self-signed for `cn` and valid for a day. Both readable by
 * everyone: started as root, Apache's children run as www-data.
 */
export function selfSigned(dir: string, name: string, cn: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  chmodSync(join(dir, `${name}.key`), 0o644);
}

/** A GET over TLS to 127.0.0.1:PORT, trusting any certificate (ours are self-signed). */
export function httpsGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers, agent: false, rejectUnauthorized: false, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET https://127.0.0.1:${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
