/**
 * The harness of a configtest matrix, one for every integration file that puts tables of options
 * through setup-server: a workspace made before the file's tests and removed after them (once
 * every case it started has finished), each table's cases started together, a few at a time, each
 * into its own server root, and the "refused before anything is written" tests.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from '@jest/globals';

import {
  makeWorkspace,
  PARALLEL,
  pool,
  type Ran,
  type Refusal,
  removeWorkspace,
  setupRefused,
  writeFiles,
} from './configtest.js';

export interface MatrixOptions {
  /** Subdirectories of the workspace (mode 0755); ['roots'] unless told (roots is always made). */
  readonly dirs?: readonly string[];
  /** Files to write into it, readable by everyone. */
  readonly files?: Record<string, string | Buffer>;
  /** Anything else to put in it, once made. */
  readonly prepare?: (ws: string) => void | Promise<void>;
}

export interface Matrix {
  /** The workspace `$TMPDIR/ew-NAME-PID-RANDOM` (there from the first beforeAll on). */
  readonly ws: string;
  /**
   * Starts (in a beforeAll) `check(case, WS/roots/case-I, I)` for every case of the table, `limit`
   * at a time; returns the outcome of the case of that name, for its test to await.
   */
  cases<C, O>(
    table: Record<string, C>,
    check: (c: C, root: string, index: number) => Promise<O>,
    limit?: number,
  ): (name: string) => Promise<O>;
  /**
   * One test per refusal: setup-server with `args(refusal)` (all started at once, in a beforeAll)
   * exits 2 with the refusal's message and writes no server root.
   */
  itRefusesBeforeWriting<R extends Refusal>(
    table: Record<string, R>,
    args: (r: R) => readonly string[],
  ): void;
}

/** A configtest matrix in the workspace `ew-NAME-…`; call it at the top of a describe or file. */
export function configMatrix(name: string, options: MatrixOptions = {}): Matrix {
  let ws: string | undefined;
  const started: Promise<unknown>[] = [];
  beforeAll(async () => {
    ws = makeWorkspace(name, ['roots', ...(options.dirs ?? []).filter((d) => d !== 'roots')]);
    writeFiles(ws, options.files ?? {});
    await options.prepare?.(ws);
  });
  afterAll(async () => {
    // A test that failed (or was filtered out) has not awaited its case: its processes still run.
    await Promise.all(started);
    removeWorkspace(ws);
  });
  const workspace = () => {
    if (!ws) {
      throw new Error(`the ${name} workspace is made in beforeAll: use it in a hook or test`);
    }
    return ws;
  };

  return {
    get ws() {
      return workspace();
    },
    cases<C, O>(
      table: Record<string, C>,
      check: (c: C, root: string, index: number) => Promise<O>,
      limit = PARALLEL,
    ): (name: string) => Promise<O> {
      const outcomes = new Map<string, Promise<O>>();
      beforeAll(() => {
        const entries = Object.entries(table);
        const running = pool(
          entries.map(
            ([, c], i) =>
              () =>
                check(c, join(workspace(), 'roots', `case-${i}`), i),
          ),
          limit,
        );
        started.push(...running);
        entries.forEach(([key], i) => outcomes.set(key, running[i] as Promise<O>));
      });
      return (key: string) => {
        const outcome = outcomes.get(key);
        if (!outcome) {
          throw new Error(`no case named ${JSON.stringify(key)} in this matrix`);
        }
        return outcome;
      };
    },
    itRefusesBeforeWriting<R extends Refusal>(table: Record<string, R>, args: (r: R) => readonly string[]) {
      const entries = Object.entries(table);
      let refusals: Promise<{ root: string; setup: Ran }>[] = [];
      beforeAll(() => {
        refusals = setupRefused(
          entries.map(([, r]) => args(r)),
          workspace(),
        );
        started.push(...refusals);
      });
      it.each(entries.map(([key, r], i) => [key, r, i] as const))(
        'refused before anything is written: %s',
        async (_key, r, i) => {
          const { root, setup } = await (refusals[i] as (typeof refusals)[number]);
          expect(setup.stderr).toContain(r.message);
          expect(setup.status).toBe(2);
          expect(existsSync(root)).toBe(false);
        },
      );
    },
  };
}
