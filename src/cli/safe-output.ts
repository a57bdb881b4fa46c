/** Output for strings that come from files: never raw control characters (see core/terminal-safe). */
import { jsonTerminalSafe } from '../core/terminal-safe';

export { terminalSafe } from '../core/terminal-safe';

/** `printJson` with control characters as JSON escapes: the parsed value is the same. */
export function printSafeJson(value: unknown): void {
  const json = JSON.stringify(
    value,
    (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v),
    2,
  );
  process.stdout.write(`${jsonTerminalSafe(json)}\n`);
}
