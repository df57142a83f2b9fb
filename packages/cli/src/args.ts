import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a subcommand's flags; prints `help` and exits on --help or a bad flag. */
export function parse(
  argv: string[],
  options: Options,
  help: string,
  allowPositionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    if (parsed.values.help) {
      process.stdout.write(help.trimStart());
      process.exit(0);
    }
    return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${help.trimStart()}`);
    process.exit(2);
  }
}

export function env(name: string, fallback: string): string {
  return process.env[name] ?? fallback;
}

/** An environment variable's value, or undefined when it is unset or empty. */
export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value ? value : undefined;
}

/** A boolean environment variable: 1, true or yes (any case) mean set. */
export function flagEnv(name: string): boolean {
  return /^(1|true|yes)$/i.test(process.env[name] ?? '');
}

/**
 * Resolves when the process is asked to stop: SIGINT, SIGTERM, or, when `watchParent` is set (or
 * RINGDB_EXIT_WITH_PARENT=1), its parent process going away. npm runs scripts through `sh -c`,
 * which does not pass SIGTERM on, so a cluster started by `npm start` would otherwise outlive it.
 */
export function untilSignal(watchParent = process.env.RINGDB_EXIT_WITH_PARENT === '1'): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    let timer: NodeJS.Timeout | undefined;
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      if (timer) clearInterval(timer);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
    if (watchParent) {
      timer = setInterval(() => {
        if (process.ppid !== parent) on('SIGHUP');
      }, 500);
      timer.unref();
    }
  });
}

/** How long stop() may take after SIGTERM/SIGINT before the process exits anyway. */
export const STOP_DEADLINE_MS = 1_500;

/**
 * Waits for SIGTERM/SIGINT (see untilSignal), runs `stop` and exits the process as soon as it is
 * done, whatever handles (sockets, timers, channels) are still open. If `stop` takes longer than
 * STOP_DEADLINE_MS, or a second signal arrives, the process exits at once (code 1).
 */
export async function stopOnSignal(stop: () => Promise<void>, log: { info(msg: string, f?: Record<string, unknown>): void; warn(msg: string, f?: Record<string, unknown>): void }): Promise<never> {
  const sig = await untilSignal();
  const started = Date.now();
  const again = () => process.exit(1);
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  setTimeout(() => {
    log.warn('stop took too long; exiting now', { signal: sig, ms: Date.now() - started });
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  try {
    await stop();
  } catch (err) {
    // abstract-level reports a failed close as "Database is not closed" with the engine's reason as its cause.
    const cause = (err as Error & { cause?: unknown }).cause;
    log.warn('stop failed; exiting', { signal: sig, error: (err as Error).message, cause: cause instanceof Error ? cause.message : cause });
    process.exit(1);
  }
  log.info('stopped', { signal: sig, ms: Date.now() - started });
  process.exit(0);
}
