/** The `repopt-lens` command line: the page's pipeline, from a terminal. */
import { isLensError } from '../core/errors';
import { terminalSafe } from '../core/terminal-safe';
import { classifyCommand, classifyUsage } from './classify';
import { compareCommand, compareUsage } from './compare';
import { convertCommand, convertUsage } from './convert';
import { infoCommand, infoUsage } from './info';
import { evalCommand, evalUsage } from './eval';
import { errorDetail, setCliLanguage, t, takeLanguage } from './i18n';
import { precisionCommand, precisionUsage } from './precision';
import { quantizeCommand, quantizeUsage } from './quantize';

const commands: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  classify: { run: classifyCommand, usage: classifyUsage },
  eval: { run: evalCommand, usage: evalUsage },
  compare: { run: compareCommand, usage: compareUsage },
  convert: { run: convertCommand, usage: convertUsage },
  info: { run: infoCommand, usage: infoUsage },
  quantize: { run: quantizeCommand, usage: quantizeUsage },
  precision: { run: precisionCommand, usage: precisionUsage },
  // Loaded on demand: it pulls in Vite and Playwright.
  bench: {
    run: async (argv) => (await import('./bench')).benchCommand(argv),
    usage:
      'repopt-lens bench [--model models/<b1-like>.onnx] [--runs N] [--quick] [--json] [--out docs/benchmarks.md]',
  },
};

export function registerCommand(
  name: string,
  run: (argv: string[]) => Promise<number>,
  usage: string,
): void {
  commands[name] = { run, usage };
}

function help(): string {
  return `${t('cli.help.title')}\n\n${Object.values(commands)
    .map((c) => c.usage)
    .join('\n')}\n${t('cli.help.lang')}\n`;
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
  try {
    return await command.run(rest);
  } catch (e) {
    // User errors get their message; anything else is a bug and keeps its stack. Messages quote
    // file names and strings from files (labels, pickle globals): escaped.
    if (isLensError(e) || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      process.stderr.write(`${t('cli.error', { detail: terminalSafe(errorDetail(e)) })}\n`);
    else {
      const stack = ((e as Error).stack ?? String(e)).split('\n').map(terminalSafe).join('\n');
      process.stderr.write(`${t('cli.internalError', { stack })}\n`);
    }
    return 1;
  }
}
