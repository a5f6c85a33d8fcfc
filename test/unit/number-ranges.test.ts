/**
 * Every numeric option has the range its directive accepts (issue 11, item 12): values outside it,
 * fractions where a whole number is needed and huge values are usage errors that name the option,
 * show the value and give the range; every accepted value is written as plain digits.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import { LIMITS, type Spec } from '../../src/options/define.js';
import { SCHEMA } from '../../src/options/schema.js';
import { render } from '../../src/render/render.js';
import { resolve } from '../../src/resolve/index.js';
import { mkdirSync, removeDir, tempDir, writeFileSync } from './helpers/fake-fs.js';
import {
  ALL_MODULES,
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  removeDir as realRemoveDir,
  tempDir as realTempDir,
} from './helpers/fakes.js';

const NUMERIC = (SCHEMA as readonly Spec[]).filter((s) => s.kind === 'int' || s.kind === 'float');
const rows = NUMERIC.map((s) => [s.name, s] as const);

/** The text of a number one step outside the range, in the option's own kind. */
const below = (s: Spec) => String((s.min as number) - (s.kind === 'int' ? 1 : 0.1));
const above = (s: Spec) => String((s.max as number) + (s.kind === 'int' ? 1 : 0.1));

function refusal(name: string, value: string): string {
  try {
    options({ [name]: value });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`--${name} ${value} was accepted`);
}

describe('every numeric option has a bounded range in the schema', () => {
  it.each(rows)('--%s has a minimum and a maximum within a C int', (_, spec) => {
    expect(typeof spec.min).toBe('number');
    expect(typeof spec.max).toBe('number');
    expect(spec.min as number).toBeLessThanOrEqual(spec.max as number);
    expect(spec.max as number).toBeLessThanOrEqual(LIMITS.INT_MAX);
  });

  it.each(rows)('--%s: one below the minimum is refused with the range', (name, spec) => {
    const message = refusal(name, below(spec));
    expect(message).toMatch(
      new RegExp(`^--${name}: "${below(spec).replace('.', '\\.')}" is not valid; expected `),
    );
    expect(message).toContain(spec.valid ?? `from ${spec.min} to ${spec.max}`);
  });

  it.each(rows)('--%s: one above the maximum is refused with the range', (name, spec) => {
    expect(refusal(name, above(spec))).toContain(spec.valid ?? `from ${spec.min} to ${spec.max}`);
  });

  it.each(rows)('--%s: huge values and exponent notation are refused', (name) => {
    for (const value of ['1000000000000000000000', '9'.repeat(400), '1e3', 'Infinity', '0x10']) {
      expect(refusal(name, value)).toContain(`--${name}: ${JSON.stringify(value)} is not valid`);
    }
  });

  it.each(rows)('--%s: the minimum and the maximum themselves are accepted', (name, spec) => {
    expect(() => options({ [name]: String(spec.min) })).not.toThrow();
    expect(() => options({ [name]: String(spec.max) })).not.toThrow();
  });

  const ints = rows.filter(([, s]) => s.kind === 'int');
  it.each(ints)('--%s: a fraction is refused (a whole number is needed)', (name, spec) => {
    const value = `${spec.min}.5`;
    expect(refusal(name, value)).toBe(
      `--${name}: "${value}" is not valid; expected a whole number from ${spec.min} to ${spec.max}.`,
    );
  });

  const floats = rows.filter(([, s]) => s.kind === 'float');
  it.each(floats)('--%s: more than six decimal places are refused', (name, spec) => {
    const value = `${Math.ceil(spec.min as number)}.0000001`;
    expect(refusal(name, value)).toContain(`with at most ${LIMITS.DECIMALS} decimal places`);
  });
});

describe('accepted numbers are written as plain digits', () => {
  let dir: string;
  let accounts: Accounts;
  beforeAll(() => {
    dir = tempDir('ew-ranges-');
    accounts = fakeAccounts(dir);
    mkdirSync(join(dir, 'root'));
    // openssl makes the certificate in a real scratch directory; its files go into the fake one.
    const certs = realTempDir('ew-ranges-certs-');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost'].concat([
        '-days',
        '2',
        '-keyout',
        join(certs, 'site.key'),
        '-out',
        join(certs, 'site.crt'),
      ]),
      { stdio: 'ignore' },
    );
    for (const name of ['site.key', 'site.crt']) {
      writeFileSync(join(dir, name), readFileSync(join(certs, name), 'latin1'));
    }
    realRemoveDir(certs);
    // The fake machine has Apache's rotatelogs where Debian puts it.
    mkdirSync('/usr/sbin', { recursive: true });
    writeFileSync('/usr/sbin/rotatelogs', '', { mode: 0o755 });
    // A Python that imports everything, for --enable-telemetry's package check.
    writeFileSync(join(dir, 'python'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  });
  afterAll(() => removeDir(dir));

  /** What else an option needs to take effect (and so be written). */
  const NEEDS: Record<string, Record<string, string>> = {
    'header-timeout': { 'header-max-timeout': '0' },
    'https-port': { 'ssl-certificate': 'site' },
    'proxy-timeout': { 'proxy-mount-point': ['/api', 'http://127.0.0.1:9/'] as unknown as string },
    'max-log-size': { 'rotate-logs': 'true' },
    'telemetry-ui-port': { 'enable-telemetry': 'true' },
    'telemetry-interval': { 'telemetry-service': 'unix:/tmp/ingester.sock' },
    'slow-requests': { 'telemetry-service': 'unix:/tmp/ingester.sock' },
  };
  const v6 = () => {
    const d = fakeDiscovery({
      modules: [
        ...ALL_MODULES,
        'mod_proxy.so',
        'mod_proxy_http.so',
        'mod_ssl.so',
        'mod_headers.so',
        'mod_socache_shmcb.so',
      ],
      directives: [
        'WSGISocketRotation',
        'WSGIDaemonProcess',
        'WSGIScriptAlias',
        'WSGISocketPrefix',
        'WSGIDestroyInterpreter',
        'WSGITelemetry',
        'WSGISlowRequests',
      ],
    });
    return {
      ...d,
      python: join(dir, 'python'),
      modWsgi: { ...d.modWsgi, version: [6, 0, 5] as [number, number, number] },
    };
  };

  // A large value with every digit place used, and for floats the finest fraction: neither may
  // come out as 2.147483647e+9 or 1e-6.
  const sample = (s: Spec) =>
    s.kind === 'int' ? String(s.max) : s.max === 1 ? '0.000001' : `${Math.floor(s.max as number) - 1}.000001`;

  it.each(rows.filter(([name]) => name !== 'ready-timeout'))(
    '--%s at its largest is written as digits',
    (name, spec) => {
      const value = sample(spec);
      const raw = { 'server-root': 'root', [name]: value, ...NEEDS[name] };
      const config = resolve(options(raw), v6(), fakeContext(accounts, dir, { uid: 1000 }));
      const text = render(config)
        .map((f) => f.content)
        .join('\n');
      expect(text).not.toMatch(/\d(\.\d+)?e[+-]?\d/i);
      if (spec.kind === 'int' || spec.max !== 1) {
        // Fractions of capacity are not written themselves; every other value is, digit for digit.
        expect(text).toContain(value);
      }
    },
  );
});
