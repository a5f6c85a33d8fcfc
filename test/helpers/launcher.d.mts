// Types of launcher.mjs (plain JavaScript so that bench/ can import it without a build).
import type { ChildProcess, StdioOptions } from 'node:child_process';

export const REPO: string;
export const CLI: string;
export const FIXTURES: string;

export function freePort(): Promise<number>;
export class GiveUp extends Error {}
export function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what?: string,
  intervalMs?: number,
): Promise<NonNullable<T>>;
export function within(promise: Promise<unknown>, ms: number): Promise<boolean>;
export function loopbackArgs(port: number, root: string, host?: string): string[];

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface LaunchOptions {
  /** The directory it runs in; the server root is CWD/root unless `root` says otherwise. */
  readonly cwd: string;
  readonly root?: string;
  /** A free one (on 127.0.0.1) unless given. */
  readonly port?: number;
  /** 127.0.0.1 unless told ('[::1]', say). */
  readonly host?: string;
  /** Run the bin through its #! line, as installed, rather than as `node CLI`. */
  readonly asInstalled?: boolean;
  /** The subcommand; start-server unless told. */
  readonly command?: string;
  /** The build to run; this checkout's dist/cli.js unless told. */
  readonly cli?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** ['ignore', 'pipe', 'pipe'] unless told; piped output is collected. */
  readonly stdio?: StdioOptions;
  /** Its own process group, like a shell job. */
  readonly detached?: boolean;
  /** A command that runs the launcher (e.g. a terminal driver), given the node command line. */
  readonly wrap?: readonly string[];
}

export interface Launcher {
  readonly port: number;
  readonly root: string;
  readonly cwd: string;
  /** http://HOST:PORT (no trailing slash). */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the launcher wrote so far. */
  stdout(): string;
  stderr(): string;
  /** For output read some other way than the child's own pipes (FIFOs, a terminal). */
  append(stream: 'stdout' | 'stderr', text: string): void;
  /** Settles when the launcher exits. */
  readonly exited: Promise<Exit>;
  /** Set once the launcher has exited. */
  exit?: Exit;
}

export function launch(args: readonly string[], options: LaunchOptions): Promise<Launcher>;
export function waitReady(launcher: Launcher, timeoutMs?: number): Promise<true>;
export function processesOf(root: string): number[];
export function killRoot(root: string): Promise<number[]>;
export function stopLauncher(launcher: Launcher, timeoutMs?: number): Promise<Exit | undefined>;
