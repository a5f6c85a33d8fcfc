/**
 * No injection (issue 5, item 2): every string-valued option of the schema (kinds string, list and
 * pairs, read from SCHEMA so that new options are covered without a change here) gets random nasty
 * values — line breaks, quotes, backslashes, $, backticks, <, >, %{…}, ${…}, NUL, lone surrogates,
 * raw Latin-1 bytes and injection payloads — through argv, a --config JSON file or an
 * EXPRESS_WSGI_* variable. An option that must name a file or directory gets a real one whose name
 * is the random value. For each value, `setup-server` either
 *   - refuses it: exit 2, one "express-wsgi: error:" line, nothing written; or
 *   - writes a server root where
 *     (a) `apachectl configtest` passes, and httpd.conf has the same directives with the same number
 *         of words each as for a harmless value of that option (so the value added no directive and
 *         no argument to one), and no argument became syntax of a further reader: a wildcard in an
 *         Include/<Directory>/<Files> path, ap_expr in ErrorDocument, a format in Header, other
 *         argv words in a piped log (test/helpers/injection.ts, directiveOutline),
 *     (b) apachectl passes `sh -n`, and running it (`configtest`, and `start -t`, which takes the
 *         start path but only tests the configuration) changes nothing on disk: no payload such as
 *         $(touch MARKER) or `touch MARKER` ran,
 *     (c) every .wsgi/.py file compiles with py_compile and has the same syntax tree, constants
 *         aside, as for the harmless value (the value stayed inside a string literal).
 *
 * Each option first gets a few fixed values (its known hazards, then one holding every quote,
 * escape and payload), then random ones. Seeded: a failure names the option, its seed and the
 * smallest failing value fast-check found.
 * INJECTION_SEED, INJECTION_RUNS (per option) and INJECTION_OPTIONS (comma-separated names) replay
 * or narrow a run.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import type { Spec } from '../../src/options/define.js';
import { envName } from '../../src/options/parse.js';
import { SCHEMA } from '../../src/options/schema.js';
import {
  describePieces,
  directiveOutline,
  hasNul,
  inPool,
  MARKER,
  nastyArb,
  outlineDifferences,
  type Piece,
  piecesToBytes,
  piecesToJson,
  pythonFilesIn,
  pythonShapes,
  runBytes,
  runText,
  snapshot,
  snapshotChanges,
  withMarker,
} from '../helpers/injection.js';
import { makeWorkspace, removeWorkspace } from '../helpers/configtest.js';
import { CLI, killRoot, processesOf } from '../helpers/server.js';

const SEED = Number(process.env.INJECTION_SEED ?? 20261122);
const RUNS = Number(process.env.INJECTION_RUNS ?? 6);
const ONLY = process.env.INJECTION_OPTIONS?.split(',').filter(Boolean);
const PARALLEL = Math.max(2, Math.min(4, availableParallelism()));
/** Bound on one option's run, shrinking included (fast-check stops there and reports what it has). */
const OPTION_TIME_LIMIT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// How each option's value is placed. Options not listed take the random value as it is.

/**
 * Where a slot's value goes. `direct`: as it is (half the time after the harmless value, so that
 * options with a format check see values that get further). The others make a real file system
 * entry named by the value in the case's directory and pass ./NAME: a regular file (`file`), a
 * directory (`dir`, `venv`: one with a pyvenv.cfg), a name not yet taken (`new`), a symbolic link
 * (`link`), or NAME.crt and NAME.key (`ssl`).
 */
type Placement =
  | { readonly kind: 'direct'; readonly harmless: string }
  | { readonly kind: 'file'; readonly content: () => string }
  | { readonly kind: 'dir' | 'venv' | 'new' | 'ssl' }
  | { readonly kind: 'link'; readonly target: string };

interface Recipe {
  /** One placement for a string or list option, two for pairs. */
  readonly slots: readonly Placement[];
  /** Other arguments the option needs to take effect (after the APP argument). */
  readonly extra?: () => readonly string[];
  /** The value is the entry point: no APP argument. */
  readonly noApp?: boolean;
  /** The value is the server root: no --server-root. */
  readonly ownRoot?: boolean;
  /** Refused whatever the value, with this reason (e.g. the installed mod_wsgi is too old for it). */
  readonly alwaysRefused?: string;
  /** Directives a valid value may legitimately add or change (e.g. LogLevel takes several words). */
  readonly mayChange?: readonly string[];
  /**
   * Values tried first, before the random ones (in the last slot, via argv): hazards of this
   * option's place in the generated files, found by the fuzzer or by reading the templates.
   */
  readonly examples?: readonly (readonly Piece[])[];
}

let ws = '';
const fixture = (name: string) => join(ws, 'fixtures', name);

const direct = (harmless: string): Placement => ({ kind: 'direct', harmless });
const file = (content: () => string): Placement => ({ kind: 'file', content });
const text = (s: string) => () => s;
const PY_SCRIPT = text('def application(environ, start_response):\n    return []\n');
const HTTPS = () => ['--https-port', '8443'];
const CERTIFICATE = () => [...HTTPS(), '--ssl-certificate', fixture('site')];
const AUTH = () => ['--auth-user-script', fixture('auth.py')];
const SERVICE = () => ['--service-script', 'svc', fixture('service.py')];

const RECIPES: Readonly<Record<string, Recipe>> = {
  'application-type': { slots: [direct('script')] },
  'entry-point': { slots: [file(PY_SCRIPT)], noApp: true },
  'callable-object': { slots: [direct('application')] },
  'mount-point': { slots: [direct('/harmless')] },
  // A host name that cannot resolve (RFC 2606): Apache cannot Listen on it.
  host: { slots: [direct('localhost')], examples: [['a.invalid']] },
  'server-root': {
    slots: [{ kind: 'new' }],
    ownRoot: true,
    extra: () => ['--socket-prefix', join(ws, 'wsgi')],
  },
  user: { slots: [direct('www-data')] },
  group: { slots: [direct('www-data')] },
  'server-mpm': { slots: [direct('event')] },
  'working-directory': { slots: [{ kind: 'dir' }] },
  'python-path': { slots: [{ kind: 'dir' }] },
  'python-home': { slots: [{ kind: 'venv' }] },
  locale: { slots: [direct('C.UTF-8')] },
  // <Directory "[xy]"> would be a wildcard pattern, not this directory.
  'document-root': { slots: [{ kind: 'dir' }], examples: [['[xy]']] },
  'directory-index': { slots: [direct('index.html')] },
  // A file alias gets <Files "NAME">, where "~" starts a regex and * ? [] are wildcards.
  'url-alias': { slots: [direct('/harmless'), file(text('harmless\n'))], examples: [['~'], ['a*']] },
  'access-log-format': {
    slots: [direct('%h harmless')],
    extra: () => ['--access-log'],
    examples: [['%Z'], ['%{']],
  },
  'error-log-format': { slots: [direct('[%l] harmless %M')], examples: [[' '], ['%M %Z']] },
  'log-level': { slots: [direct('info')], mayChange: ['LogLevel'] },
  // Rotated: the directory is also an argument of the rotatelogs pipe (argv split by Apache).
  'log-directory': { slots: [{ kind: 'dir' }], extra: () => ['--rotate-logs'] },
  'envvars-script': { slots: [file(text('# harmless\n'))] },
  // Include takes * ? [] as wildcards: a file named a* would pull in every a... file beside it.
  'include-file': { slots: [file(text('# harmless\n'))], examples: [['a*']] },
  setenv: { slots: [direct('HARMLESS'), direct('harmless')] },
  passenv: { slots: [direct('HOME')] },
  'socket-prefix': { slots: [{ kind: 'new' }] },
  'httpd-executable': { slots: [{ kind: 'link', target: '/usr/sbin/apache2' }] },
  'modules-directory': { slots: [{ kind: 'link', target: '/usr/lib/apache2/modules' }] },
  'mod-wsgi-module': { slots: [{ kind: 'link', target: '/usr/lib/apache2/modules/mod_wsgi.so' }] },
  config: { slots: [file(text('{}\n'))] },
  'ssl-certificate-file': { slots: [file(() => readFileSync(fixture('site.pem'), 'utf8'))], extra: HTTPS },
  'ssl-certificate-key-file': {
    slots: [file(() => readFileSync(fixture('site.key'), 'utf8'))],
    extra: () => [...HTTPS(), '--ssl-certificate-file', fixture('site.crt')],
  },
  'ssl-certificate': { slots: [{ kind: 'ssl' }], extra: HTTPS },
  'ssl-certificate-chain-file': {
    slots: [file(() => readFileSync(fixture('site.crt'), 'utf8'))],
    extra: CERTIFICATE,
  },
  'ssl-ca-certificate-file': {
    slots: [file(() => readFileSync(fixture('site.crt'), 'utf8'))],
    extra: CERTIFICATE,
  },
  'ssl-verify-client': {
    slots: [direct('/harmless')],
    extra: () => [...CERTIFICATE(), '--ssl-ca-certificate-file', fixture('site.crt')],
  },
  // mod_headers reads % in a Header value as a format specifier (%{VAR}e: an environment variable).
  'hsts-policy': {
    slots: [direct('max-age=60')],
    extra: CERTIFICATE,
    examples: [['max-age=60; a=%z'], ['max-age=60; a=%{HOME}e']],
  },
  'server-name': { slots: [direct('harmless.test')] },
  'server-alias': { slots: [direct('harmless.test')], extra: () => ['--server-name', 'example.test'] },
  'proxy-mount-point': { slots: [direct('/harmless'), direct('http://127.0.0.1:9/harmless')] },
  'proxy-virtual-host': { slots: [direct('harmless.test'), direct('http://127.0.0.1:9/harmless')] },
  'trust-proxy': { slots: [direct('127.0.0.1')], extra: () => ['--trust-proxy-header', 'X-Forwarded-For'] },
  'trust-proxy-header': { slots: [direct('X-Forwarded-For')], extra: () => ['--trust-proxy', '127.0.0.1'] },
  'host-access-script': { slots: [file(text('def allow_access(environ, host):\n    return True\n'))] },
  'auth-user-script': {
    slots: [file(text('def check_password(environ, user, password):\n    return True\n'))],
  },
  'auth-type': { slots: [direct('Basic')], extra: AUTH },
  'auth-group-script': {
    slots: [file(text('def groups_for_user(environ, user):\n    return []\n'))],
    extra: AUTH,
  },
  'auth-group': {
    slots: [direct('harmless')],
    extra: () => [...AUTH(), '--auth-group-script', fixture('auth.py')],
  },
  'add-handler': { slots: [direct('.harmless'), file(PY_SCRIPT)] },
  // Since Apache 2.4.13 ErrorDocument reads %{...} as ap_expr syntax.
  'error-document': {
    slots: [direct('404'), direct('/harmless.html')],
    examples: [['/x%{'], ['/x%{REMOTE_ADDR}']],
  },
  'rewrite-rules': { slots: [file(text('# harmless\n'))], examples: [['a*']] },
  'allow-override': { slots: [direct('FileInfo')] },
  'mime-types': { slots: [file(text('text/plain harmless\n'))] },
  'map-head-to-get': { slots: [direct('Off')] },
  'ignore-activity': { slots: [direct('/harmless')] },
  'error-log-name': { slots: [direct('harmless_log')], extra: () => ['--rotate-logs'] },
  'access-log-name': { slots: [direct('harmless_log')], extra: () => ['--access-log'] },
  // `apachectl start -t` writes the startup log: into a directory of its own, outside the case's.
  'startup-log-name': {
    slots: [direct('harmless_log')],
    extra: () => ['--startup-log', '--log-directory', join(ws, 'logs')],
  },
  'rotatelogs-executable': {
    slots: [{ kind: 'link', target: '/usr/bin/rotatelogs' }],
    extra: () => ['--rotate-logs'],
  },
  'pid-file': { slots: [{ kind: 'new' }] },
  'process-name': { slots: [direct('harmless')] },
  'process-group': { slots: [direct('harmless')] },
  'shell-executable': { slots: [{ kind: 'link', target: '/bin/sh' }] },
  'application-group': { slots: [direct('harmless')] },
  'python-eggs': { slots: [{ kind: 'new' }] },
  'python-warnings': { slots: [direct('ignore')] },
  lang: { slots: [direct('C.UTF-8')] },
  'service-script': {
    slots: [direct('harmless'), file(text('import time\nwhile True:\n    time.sleep(60)\n'))],
  },
  'service-user': { slots: [direct('svc'), direct('www-data')], extra: SERVICE },
  'service-group': { slots: [direct('svc'), direct('www-data')], extra: SERVICE },
  'service-log-file': { slots: [direct('svc'), direct('harmless.log')], extra: SERVICE, examples: [['x/']] },
  'telemetry-service': { slots: [direct('unix:harmless.sock')], alwaysRefused: 'needs mod_wsgi 6' },
  'telemetry-options': { slots: [direct('+CaptureUserAgent')], alwaysRefused: 'needs mod_wsgi 6' },
  // Without --enable-coverage (the coverage package is not installed here) the value goes nowhere.
  'coverage-directory': { slots: [{ kind: 'new' }] },
  'profiler-directory': { slots: [{ kind: 'new' }], extra: () => ['--enable-profiler'] },
  'recorder-directory': { slots: [{ kind: 'new' }], extra: () => ['--enable-recorder'] },
  // A stand-in gdb: `apachectl start -t` execs it, and it must do no more than exit.
  'gdb-executable': {
    slots: [{ kind: 'link', target: '/bin/true' }],
    extra: () => ['--enable-gdb'],
  },
};

const STRING_KINDS = new Set(['string', 'list', 'pairs']);
const OPTIONS = (SCHEMA as readonly Spec[]).filter(
  (s) => STRING_KINDS.has(s.kind) && !s.refused && (!ONLY || ONLY.includes(s.name)),
);

function recipeOf(spec: Spec): Recipe {
  return (
    RECIPES[spec.name] ?? {
      slots: spec.kind === 'pairs' ? [direct('harmless'), direct('harmless')] : [direct('harmless')],
    }
  );
}

// ---------------------------------------------------------------------------------------------
// One case: the value, how it travels, and what setup-server made of it.

type Channel = 'argv' | 'config' | 'env';

interface Case {
  /** The random value, or null for the harmless baseline. */
  readonly pieces: Piece[] | null;
  /** Which slot of a pairs option gets it. */
  readonly slot: number;
  readonly channel: Channel;
  /** A direct value goes after the harmless one. */
  readonly afterHarmless: boolean;
  /** On argv: --name=VALUE rather than --name VALUE (string and list options). */
  readonly equalsForm: boolean;
}

interface Accepted {
  readonly outcome: 'accepted';
  readonly outline: Map<string, number>;
  /** Python file name → its shape. */
  readonly shapes: Map<string, string>;
}
type Outcome = Accepted | { readonly outcome: 'refused' };

const cleanEnv = (): [string, string][] =>
  Object.entries(process.env)
    .filter(([k, v]) => v !== undefined && !/^(npm_|INIT_CWD$|EXPRESS_WSGI_)/i.test(k))
    .map(([k, v]) => [k, v as string]);

let caseCount = 0;

/** Placement of one slot: creates what it needs in `dir` and returns the value to pass. */
function place(placement: Placement, pieces: Piece[] | null, afterHarmless: boolean, dir: string): Piece[] {
  if (placement.kind === 'direct') {
    if (pieces === null) {
      return [placement.harmless];
    }
    return afterHarmless ? [placement.harmless, ...pieces] : pieces;
  }
  // A name for a file system entry: "/" cannot be in one, so it becomes "_".
  const name = (pieces ?? ['harmless']).map((p) => (typeof p === 'string' ? p.replace(/\//g, '_') : p));
  const bytes = piecesToBytes(name);
  const latin1 = bytes.toString('latin1');
  if (hasNul(name) || latin1 === '' || latin1 === '.' || latin1 === '..' || bytes.length > 200) {
    return pieces ?? []; // cannot be a name: passed as it is (and refused)
  }
  const at = (suffix = '') => Buffer.concat([Buffer.from(`${dir}/`), bytes, Buffer.from(suffix)]);
  switch (placement.kind) {
    case 'file':
      writeFileSync(at(), placement.content(), { mode: 0o644 });
      break;
    case 'dir':
      mkdirSync(at(), { mode: 0o755 });
      break;
    case 'venv':
      mkdirSync(at(), { mode: 0o755 });
      writeFileSync(Buffer.concat([at(), Buffer.from('/pyvenv.cfg')]), 'home = /usr/bin\nversion = 3.11.2\n');
      break;
    case 'link':
      symlinkSync(placement.target, at());
      break;
    case 'ssl':
      copyFileSync(fixture('site.crt'), at('.crt'));
      copyFileSync(fixture('site.key'), at('.key'));
      break;
    case 'new':
      break;
  }
  return ['./', ...name];
}

/** The server root setup-server wrote: ROOT, or for --server-root the directory holding httpd.conf. */
function findRoot(dir: string, recipe: Recipe): string {
  if (!recipe.ownRoot) {
    return join(dir, 'root');
  }
  const found = [...snapshot(dir).keys()]
    .map((k) => /^([^/]*)<([0-9a-f]*)>\/httpd\.conf<[0-9a-f]*>$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null);
  if (found.length !== 1) {
    throw new Error(`expected one server root holding httpd.conf in ${dir}, found ${found.length}`);
  }
  return Buffer.concat([
    Buffer.from(`${dir}/`),
    Buffer.from((found[0] as RegExpExecArray)[2] as string, 'hex'),
  ]).toString('utf8');
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

/** Runs one case; returns how it ended, or throws with what went wrong. */
async function runCase(spec: Spec, recipe: Recipe, c: Case, baseline?: Accepted): Promise<Outcome> {
  const dir = join(ws, 'cases', `c${++caseCount}`);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const marker = join(dir, 'MARKER');
  const random = c.pieces && withMarker(c.pieces, marker);
  const values = recipe.slots.map((placement, i) =>
    place(placement, i === c.slot ? random : null, c.afterHarmless, dir),
  );
  const root = join(dir, 'root');
  const base = [
    process.execPath,
    CLI,
    'setup-server',
    ...(recipe.noApp ? [] : [fixture('app.wsgi')]),
    ...(recipe.ownRoot ? [] : ['--server-root', root]),
    ...(recipe.extra?.() ?? []),
  ].map((s) => Buffer.from(s));
  const env = cleanEnv().map(([k, v]): [Buffer, Buffer] => [Buffer.from(k), Buffer.from(v)]);
  // NUL cannot travel in argv or the environment: only a JSON file can carry it.
  const channel: Channel = values.some(hasNul) && spec.name !== 'config' ? 'config' : c.channel;
  const argv: Buffer[] = [...base];
  if (channel === 'argv') {
    const bytes = values.map(piecesToBytes);
    if (c.equalsForm && bytes.length === 1) {
      argv.push(Buffer.concat([Buffer.from(`--${spec.name}=`), bytes[0] as Buffer]));
    } else {
      argv.push(Buffer.from(`--${spec.name}`), ...bytes);
    }
  } else if (channel === 'env') {
    const joined = values.flatMap((v, i) => (i ? [[' '] as Piece[], v] : [v])).flat();
    env.push([Buffer.from(envName(spec.name)), piecesToBytes(joined)]);
  } else {
    const literals = values.map(piecesToJson);
    const json =
      spec.kind === 'string'
        ? (literals[0] as Buffer)
        : Buffer.concat([
            Buffer.from('['),
            ...literals.flatMap((l, i) => (i ? [Buffer.from(','), l] : [l])),
            Buffer.from(']'),
          ]);
    const configFile = join(ws, 'configs', `c${caseCount}.json`);
    writeFileSync(
      configFile,
      Buffer.concat([Buffer.from(`{${JSON.stringify(spec.name)}: `), json, Buffer.from('}')]),
    );
    argv.push(Buffer.from('--config'), Buffer.from(configFile));
  }

  const before = snapshot(dir);
  const setup = await runBytes(argv, env, dir);
  const written = snapshotChanges(before, snapshot(dir));
  const context = () =>
    `setup-server exited ${setup.status}; stdout:\n${setup.stdout}\nstderr:\n${setup.stderr}\n` +
    `value passed via ${channel}: ${values.map(describePieces).join(' | ')}`;

  if (setup.status === 2) {
    const errors = lines(setup.stderr).filter((l) => l.startsWith('express-wsgi: error:'));
    // Besides the error (and any warnings), only the pointer to --help.
    const other = lines(setup.stderr).filter(
      (l) =>
        !/^express-wsgi: (error|warning):/.test(l) &&
        !/^Run 'express-wsgi [a-z-]+ --help' for the options\.$/.test(l),
    );
    if (errors.length !== 1 || other.length) {
      throw new Error(`refused, but not with exactly one "express-wsgi: error:" line\n${context()}`);
    }
    if (written.length) {
      throw new Error(`refused, but wrote:\n${written.join('\n')}\n${context()}`);
    }
    return { outcome: 'refused' };
  }
  if (setup.status !== 0) {
    throw new Error(`neither accepted (0) nor refused (2)\n${context()}`);
  }
  if (recipe.alwaysRefused) {
    throw new Error(`accepted, though it should always be refused (${recipe.alwaysRefused})\n${context()}`);
  }

  const serverRoot = findRoot(dir, recipe);
  const problems: string[] = [];
  const conf = readFileSync(join(serverRoot, 'httpd.conf'), 'utf8');
  const apachectl = join(serverRoot, 'apachectl');
  const toolEnv = Object.fromEntries(cleanEnv());
  const check = async (): Promise<Accepted> => {
    // (b) apachectl parses, and running it runs nothing but httpd.
    const syntax = await runText('/bin/sh', ['-n', apachectl], dir, toolEnv);
    if (syntax.status !== 0) {
      problems.push(`sh -n apachectl: ${syntax.status} ${syntax.stderr}`);
    }
    const beforeRun = snapshot(dir);
    const configtest = await runText(apachectl, ['configtest'], dir, toolEnv);
    const startTest = await runText(apachectl, ['start', '-t'], dir, toolEnv);
    const ran = snapshotChanges(beforeRun, snapshot(dir));
    if (ran.length || existsSync(marker)) {
      problems.push(
        `running apachectl changed the case directory (an injected command ran?):\n${ran.join('\n')}`,
      );
    }
    // (a) Apache accepts the configuration, which has the directives of the harmless one.
    if (configtest.status !== 0 || !configtest.stderr.includes('Syntax OK')) {
      problems.push(`apachectl configtest: exit ${configtest.status}: ${configtest.stderr.trim()}`);
    }
    // `start -t` prints "Syntax OK" into the startup log when there is one (or runs a stand-in gdb).
    if (startTest.status !== 0) {
      problems.push(`apachectl start -t: exit ${startTest.status}: ${startTest.stderr.trim()}`);
    }
    const outline = directiveOutline(conf);
    if (baseline) {
      const diff = outlineDifferences(baseline.outline, outline, new Set(recipe.mayChange));
      if (diff.length) {
        problems.push(
          `httpd.conf directives differ from the harmless value's (directive/words):\n${diff.join('\n')}`,
        );
      }
    }
    // (c) Every Python script compiles, with the shape it has for the harmless value.
    const files = pythonFilesIn(serverRoot);
    const shapes = new Map(
      Object.entries(await pythonShapes(files, dir)).map(([f, s]) => [f.slice(serverRoot.length + 1), s]),
    );
    for (const [name, shape] of shapes) {
      if (shape.startsWith('error:')) {
        problems.push(`${name} does not compile: ${shape}`);
      } else if (baseline && baseline.shapes.has(name) && baseline.shapes.get(name) !== shape) {
        problems.push(`${name} has a different syntax tree from the harmless value's: code was added`);
      }
    }
    if (problems.length) {
      const confLines = conf.split('\n').filter((l) => !/^\s*(#|$)/.test(l));
      throw new Error(
        `accepted, but:\n${problems.join('\n')}\n${context()}\nhttpd.conf (directives):\n${confLines.join('\n')}`,
      );
    }
    return { outcome: 'accepted', outline, shapes };
  };
  const checked = await check().catch((error: Error) => error);
  // `start -t` only tests the configuration; should anything have started, stop it.
  const left = processesOf(serverRoot);
  if (left.length) {
    await killRoot(serverRoot);
    throw new Error(`processes ${left.join(', ')} were left running from ${serverRoot}\n${context()}`);
  }
  if (checked instanceof Error) {
    throw checked;
  }
  return checked;
}

// ---------------------------------------------------------------------------------------------

/**
 * How a value can travel. A --config file cannot name itself. An EXPRESS_WSGI_* variable gives a
 * list or pairs option whitespace-separated words, so a value there may legitimately become several:
 * only string options take that channel.
 */
const channelsOf = (spec: Spec): Channel[] =>
  spec.name === 'config'
    ? ['argv', 'env']
    : spec.kind === 'string'
      ? ['argv', 'config', 'env']
      : ['argv', 'config'];

const caseArb = (spec: Spec, recipe: Recipe): fc.Arbitrary<Case> =>
  fc.record({
    // A --config path travels in argv or the environment, neither of which can hold a NUL.
    pieces: spec.name === 'config' ? nastyArb.filter((p) => !hasNul(p)) : nastyArb,
    slot: fc.integer({ min: 0, max: recipe.slots.length - 1 }),
    channel: fc.constantFrom<Channel>(...channelsOf(spec)),
    afterHarmless: fc.boolean(),
    equalsForm: fc.boolean(),
  });

/** Tried first for every option: one of each quote, escape and injection attempt, after the harmless value. */
const EVERYTHING: readonly Piece[] = [
  ` '"\\`,
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  ' %{x} ',
  '*?[a] < > ; | &',
];

/** A seed of its own for each option, stable when options are added or reordered. */
const seedOf = (name: string) => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, SEED);

interface OptionReport {
  readonly baseline: Outcome | Error;
  readonly details?: fc.RunDetails<[Case]>;
  readonly counts: { accepted: number; refused: number };
  readonly ms: number;
}

const reports = new Map<string, OptionReport>();
let elapsedMs = 0;

beforeAll(async () => {
  const started = Date.now();
  ws = makeWorkspace('inj', ['fixtures', 'cases', 'configs', 'logs']);
  writeFileSync(fixture('app.wsgi'), PY_SCRIPT());
  writeFileSync(
    fixture('auth.py'),
    'def check_password(environ, user, password):\n    return True\n\n' +
      'def groups_for_user(environ, user):\n    return []\n',
  );
  writeFileSync(fixture('service.py'), 'import time\nwhile True:\n    time.sleep(60)\n');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
      '-keyout',
      fixture('site.key'),
      '-out',
      fixture('site.crt'),
    ]),
    { stdio: 'ignore' },
  );
  writeFileSync(
    fixture('site.pem'),
    readFileSync(fixture('site.crt'), 'utf8') + readFileSync(fixture('site.key'), 'utf8'),
  );
  for (const name of ['site.key', 'site.crt', 'site.pem']) {
    chmodSync(fixture(name), 0o644);
  }

  // Options run side by side (each one's fast-check runs one case at a time).
  await inPool(
    OPTIONS.map((spec) => async () => {
      const recipe = recipeOf(spec);
      const t0 = Date.now();
      const counts = { accepted: 0, refused: 0 };
      const harmless: Case = {
        pieces: null,
        slot: 0,
        channel: 'argv',
        afterHarmless: false,
        equalsForm: false,
      };
      let baseline: Outcome | Error;
      try {
        baseline = await runCase(spec, recipe, harmless);
      } catch (error) {
        baseline = error as Error;
      }
      const wanted = recipe.alwaysRefused ? 'refused' : 'accepted';
      if (baseline instanceof Error || baseline.outcome !== wanted) {
        reports.set(spec.name, { baseline, counts, ms: Date.now() - t0 });
        return;
      }
      const reference = baseline.outcome === 'accepted' ? baseline : undefined;
      const details = await fc.check(
        fc.asyncProperty(caseArb(spec, recipe), async (c) => {
          const outcome = await runCase(spec, recipe, c, reference);
          counts[outcome.outcome]++;
        }),
        {
          seed: seedOf(spec.name),
          numRuns: RUNS,
          examples: [...(recipe.examples ?? []), EVERYTHING].map((pieces): [Case] => [
            {
              pieces: [...pieces],
              slot: recipe.slots.length - 1,
              channel: 'argv',
              afterHarmless: pieces === EVERYTHING,
              equalsForm: false,
            },
          ]),
          plugins: [fc.interruptAfterTimeLimit(OPTION_TIME_LIMIT_MS)],
        },
      );
      reports.set(spec.name, {
        baseline,
        details: details as fc.RunDetails<[Case]>,
        counts,
        ms: Date.now() - t0,
      });
    }),
    PARALLEL,
  );
  elapsedMs = Date.now() - started;
}, 900_000);

afterAll(() => removeWorkspace(ws));

describe('no string option can inject anything into the generated files', () => {
  it('every option with a recipe exists in the schema (no stale recipes)', () => {
    const names = new Set((SCHEMA as readonly Spec[]).map((s) => s.name));
    expect(Object.keys(RECIPES).filter((n) => !names.has(n))).toEqual([]);
  });

  it.each(OPTIONS.map((s) => [s.name, s] as const))(
    '--%s: refused, or quoted where it belongs',
    (name, spec) => {
      const report = reports.get(name);
      expect(report).toBeDefined();
      const { baseline, details } = report as OptionReport;
      const recipe = recipeOf(spec);
      if (baseline instanceof Error) {
        throw new Error(
          `the harmless value of --${name} failed, so its recipe needs fixing:\n${baseline.message}`,
        );
      }
      expect([name, 'harmless value', baseline.outcome]).toEqual([
        name,
        'harmless value',
        recipe.alwaysRefused ? 'refused' : 'accepted',
      ]);
      const d = details as fc.RunDetails<[Case]>;
      if (d.failed) {
        const c = d.counterexample?.[0];
        const shown = c
          ? `${describePieces(c.pieces ?? [])} (slot ${c.slot}, via ${c.channel}${c.afterHarmless ? ', after the harmless value' : ''})`
          : 'none';
        throw new Error(
          `--${name} failed after ${d.numRuns} run(s), seed ${d.seed} (replay: INJECTION_SEED=${SEED} ` +
            `INJECTION_OPTIONS=${name}), path ${d.counterexamplePath}, shrunk ${d.numShrinks} times.\n` +
            `Smallest failing value: ${shown}\n${d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance)}`,
        );
      }
      expect(d.numRuns).toBeGreaterThan(0);
    },
  );

  it('cases reached Apache as well as refusals, within the time budget', () => {
    const all = [...reports.values()];
    const accepted = all.reduce((n, r) => n + r.counts.accepted, 0);
    const refused = all.reduce((n, r) => n + r.counts.refused, 0);
    const slowest = [...reports.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 3);
    console.log(
      `injection: ${OPTIONS.length} options, ${accepted + refused} random cases ` +
        `(${accepted} accepted and checked, ${refused} refused) + ${all.length} harmless baselines ` +
        `in ${(elapsedMs / 1000).toFixed(1)} s, ${PARALLEL} at a time; slowest: ` +
        slowest.map(([n, r]) => `${n} ${(r.ms / 1000).toFixed(1)} s`).join(', '),
    );
    // Refusal alone would prove nothing about quoting: a good share must get through to Apache.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
