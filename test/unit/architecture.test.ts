/**
 * The import rules of .dependency-cruiser.cjs (docs/architecture.md), checked two ways: the real
 * src/ keeps every rule, and each rule catches a violation planted in a small tree laid out like
 * src/, so that a rule that matches nothing (a typo in a path) cannot pass unnoticed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cruise, type IConfiguration, type IReporterOutput } from 'dependency-cruiser';
import tmp from 'tmp';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = createRequire(import.meta.url)(join(REPO, '.dependency-cruiser.cjs')) as IConfiguration;

/** The rule names broken in `baseDir`'s src/, each once per offending import, sorted. */
async function violations(baseDir: string): Promise<string[]> {
  const result: IReporterOutput = await cruise(['src'], {
    ...CONFIG.options,
    ruleSet: { forbidden: CONFIG.forbidden },
    validate: true,
    baseDir,
  });
  if (typeof result.output === 'string') {
    throw new Error('dependency-cruiser returned text, not a result');
  }
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

it('src/ keeps every import rule', async () => {
  expect(await violations(REPO)).toEqual([]);
});

/** A tree where every room imports only what it may: each case below adds one file or import. */
const ALLOWED: Record<string, string> = {
  'src/errors.ts': 'export class UsageError extends Error {}\n',
  'src/config.ts': "import type { UsageError } from './errors.js';\nexport type Host = { e?: UsageError };\n",
  'src/cli.ts': "import { serve } from './commands/serve.js';\nserve();\n",
  'src/commands/serve.ts': [
    "import { ALL } from '../options/all.js';",
    "import { resolve } from '../resolve/index.js';",
    "import { realHost } from '../discovery/host.js';",
    "import { render } from '../render/render.js';",
    "import { write } from '../server-root/write.js';",
    "import { launch } from '../launch/launch.js';",
    'export const serve = () => launch(write(render(resolve(ALL, realHost))));',
    '',
  ].join('\n'),
  'src/options/define.ts': 'export const str = (name: string) => ({ name });\n',
  'src/options/all.ts':
    "import { OPTIONS } from '../features/a/options.js';\nexport const ALL = [...OPTIONS];\n",
  'src/features/a/options.ts':
    "import { str } from '../../options/define.js';\nexport const OPTIONS = [str('a')];\n",
  'src/features/a/resolve.ts':
    "import type { Host } from '../../config.js';\nimport { UsageError } from '../../errors.js';\nexport const a = (h: Host) => (h.e ? new UsageError() : 1);\n",
  'src/features/index.ts': "import * as a from './a/resolve.js';\nexport const FEATURES = { a };\n",
  'src/resolve/index.ts':
    "import type { Host } from '../config.js';\nimport { FEATURES } from '../features/index.js';\nexport const resolve = (o: unknown[], h: Host) => [o, h, FEATURES.a.a(h)];\n",
  'src/discovery/host.ts':
    "import { statSync } from 'node:fs';\nimport type { Host } from '../config.js';\nexport const realHost: Host = { e: statSync('/') ? undefined : undefined };\n",
  'src/render/render.ts':
    "import { readFileSync } from 'node:fs';\nexport const render = (c: unknown) => [c, readFileSync];\n",
  'src/server-root/write.ts':
    "import { writeFileSync } from 'node:fs';\nexport const write = (f: unknown) => [f, writeFileSync];\n",
  'src/launch/launch.ts':
    "import { spawn } from 'node:child_process';\nimport type { Host } from '../config.js';\nexport const launch = (x: unknown, h?: Host) => [x, h, spawn];\n",
  'package.json': '{ "name": "planted", "type": "module", "devDependencies": { "dev-only": "1.0.0" } }\n',
  'node_modules/dev-only/package.json': '{ "name": "dev-only", "version": "1.0.0", "main": "index.js" }\n',
  'node_modules/dev-only/index.js': 'module.exports = 1;\n',
};

/** One planted import per rule: a file and an import line added at its top (the whole file when new). */
const PLANTED: Record<string, readonly [string, string]> = {
  'no-circular': ['src/errors.ts', "import type { Host } from './config.js';"],
  'not-to-unresolvable': ['src/launch/launch.ts', "import { gone } from './gone.js';"],
  'no-dev-dependency-in-src': ['src/launch/launch.ts', "import devOnly from 'dev-only';"],
  // In a file of its own: launch.ts importing serve would also be a circle.
  'nothing-imports-cli-or-commands': ['src/launch/stray.ts', "import { serve } from '../commands/serve.js';"],
  'config-is-types-only': ['src/config.ts', "import { UsageError as E } from './errors.js';"],
  'option-declarations-are-data': ['src/features/a/options.ts', "import { readFileSync } from 'node:fs';"],
  'schema-touches-no-machine': ['src/options/all.ts', "import { readFileSync } from 'node:fs';"],
  'options-never-import-resolvers': ['src/options/all.ts', "import { a } from '../features/a/resolve.js';"],
  'resolve-is-pure': ['src/resolve/index.ts', "import { realHost } from '../discovery/host.js';"],
  'discovery-answers-only': ['src/discovery/host.ts', "import { resolve } from '../resolve/index.js';"],
  'render-only-prints': ['src/render/render.ts', "import { FEATURES } from '../features/index.js';"],
  'server-root-only-writes': ['src/server-root/write.ts', "import { render } from '../render/render.js';"],
  'launch-runs-what-is-written': ['src/launch/launch.ts', "import { ALL } from '../options/all.js';"],
};

describe('each rule catches a planted violation', () => {
  let scratch: tmp.DirResult;
  beforeAll(() => {
    scratch = tmp.dirSync({ prefix: 'express-wsgi-architecture-', unsafeCleanup: true });
  });
  afterAll(() => scratch.removeCallback());

  /** Writes ALLOWED (plus `extra` appended to one file) into a fresh directory and returns it. */
  function tree(name: string, extra?: readonly [string, string]): string {
    const base = join(scratch.name, name);
    for (const [file, text] of Object.entries(ALLOWED)) {
      mkdirSync(dirname(join(base, file)), { recursive: true });
      writeFileSync(join(base, file), extra?.[0] === file ? `${extra[1]}\n${text}` : text);
    }
    if (extra && !(extra[0] in ALLOWED)) {
      writeFileSync(join(base, extra[0]), `${extra[1]}\n`);
    }
    return base;
  }

  it('the allowed tree breaks no rule', async () => {
    expect(await violations(tree('allowed'))).toEqual([]);
  });

  it('every rule in the configuration has a planted case', () => {
    expect(Object.keys(PLANTED).sort()).toEqual((CONFIG.forbidden ?? []).map((rule) => rule.name).sort());
  });

  it.each(Object.entries(PLANTED))('%s', async (rule, planted) => {
    const broken = await violations(tree(rule, planted));
    // The planted import breaks this rule, and only this one.
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.filter((v) => !v.startsWith(`${rule}:`))).toEqual([]);
  });
});
