/** The `repopt-lens` command line: the page's pipeline, from a terminal. */
import { isLensError, LensError } from '../core/errors';
import { terminalSafe } from '../core/terminal-safe';
import { classifyCommand, classifyUsage } from './classify';
import { compareCommand, compareUsage } from './compare';
import { convertCommand, convertUsage } from './convert';
import { infoCommand, infoUsage } from './info';
import { evalCommand, evalUsage } from './eval';
import { errorDetail, setCliLanguage, t, takeLanguage } from './i18n';
import { precisionCommand, precisionUsage } from './precision';
import { quantizeCommand, quantizeUsage } from './quantize';

interface Command {
  run: (argv: string[]) => Promise<number>;
  usage: string;
  /** What it does, in one line of the CLI's language. */
  about: () => string;
}

const commands: Record<string, Command> = {
  classify: {
    run: classifyCommand,
    usage: classifyUsage,
    about: () => t('cli.help.about.classify'),
  },
  eval: { run: evalCommand, usage: evalUsage, about: () => t('cli.help.about.eval') },
  compare: { run: compareCommand, usage: compareUsage, about: () => t('cli.help.about.compare') },
  convert: { run: convertCommand, usage: convertUsage, about: () => t('cli.help.about.convert') },
  info: { run: infoCommand, usage: infoUsage, about: () => t('cli.help.about.info') },
  quantize: {
    run: quantizeCommand,
    usage: quantizeUsage,
    about: () => t('cli.help.about.quantize'),
  },
  precision: {
    run: precisionCommand,
    usage: precisionUsage,
    about: () => t('cli.help.about.precision'),
  },
  // Loaded on demand: it pulls in Vite and Playwright.
  bench: {
    run: async (argv) => (await import('./bench')).benchCommand(argv),
    usage:
      'repopt-lens bench [--model models/<b1-like>.onnx] [--runs N] [--quick] [--json] [--out docs/benchmarks.md]',
    about: () => t('cli.help.about.bench'),
  },
};

export function registerCommand(
  name: string,
  run: (argv: string[]) => Promise<number>,
  usage: string,
  about: () => string = () => '',
): void {
  commands[name] = { run, usage, about };
}

/** Every command in one line each, then their usage lines. */
function help(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const about = names.map((n) => `  ${n.padEnd(width)}${commands[n]!.about()}`).join('\n');
  const usage = Object.values(commands)
    .map((c) => c.usage)
    .join('\n');
  return `${t('cli.help.title')}\n\n${about}\n\n${usage}\n${t('cli.help.lang')}\n`;
}

/** `<command> --help`: what it does and its usage. */
function commandHelp(command: Command): string {
  return `${command.about()}\n\n${t('cli.usage', { usage: command.usage })}\n${t('cli.help.lang')}\n`;
}

/** `--help` or `-h` among a command's options (not after `--`, where it is a file name). */
function asksHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * node:util's parseArgs errors in the CLI's words ("Unknown option '--x'. To specify a
 * positional argument starting with a '-', place it ... as in '-- \"--x\"" has an unbalanced quote
 * and no usage), with the command's usage.
 */
function parseError(e: { code: string; message: string }, command: Command): LensError {
  const option = /'(-[^' ]*)/.exec(e.message)?.[1] ?? '';
  const why =
    e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      ? t('cli.unknownOption', { option })
      : e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
        ? t('cli.optionValue', { option })
        : e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
          ? t('cli.unexpectedArgument')
          : e.message;
  return new LensError('usage', `${why}\n${t('cli.usage', { usage: command.usage })}`, {
    cause: e,
  });
}

export async function main(
  args: string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { language, argv, rejected } = takeLanguage(args, env);
  await setCliLanguage(language);
  if (rejected !== null) {
    process.stderr.write(
      `${t('cli.error', { detail: terminalSafe(t('cli.badLang', { value: rejected })) })}\n`,
    );
    return 2;
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`${t('cli.unknownCommand', { name: terminalSafe(name) })}\n\n${help()}`);
    return 2;
  }
  if (asksHelp(rest)) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (caught) {
    const e = (caught as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? parseError(caught as { code: string; message: string }, command)
      : caught;
    // User errors get their message; anything else is a bug and keeps its stack. Messages quote
    // file names and strings from files (labels, pickle globals): escaped. A usage error's lines
    // (the why, then the usage) are its own and stay lines.
    if (isLensError(e) && e.code === 'usage')
      process.stderr.write(
        `${t('cli.error', { detail: errorDetail(e).split('\n').map(terminalSafe).join('\n') })}\n`,
      );
    else if (isLensError(e))
      process.stderr.write(`${t('cli.error', { detail: terminalSafe(errorDetail(e)) })}\n`);
    else {
      const stack = ((e as Error).stack ?? String(e)).split('\n').map(terminalSafe).join('\n');
      process.stderr.write(`${t('cli.internalError', { stack })}\n`);
    }
    return 1;
  }
}
