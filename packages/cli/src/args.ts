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
