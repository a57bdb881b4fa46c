/**
 * Terminal columns of a string, for padding tables whose headers may be Chinese: East Asian wide
 * and fullwidth characters take two columns (Unicode UAX #11, the common ranges), the rest one.
 */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

export function columns(s: string): number {
  let n = 0;
  for (const ch of s) n += WIDE.test(ch) ? 2 : 1;
  return n;
}

export const padEndColumns = (s: string, width: number): string =>
  s + ' '.repeat(Math.max(0, width - columns(s)));

export const padStartColumns = (s: string, width: number): string =>
  ' '.repeat(Math.max(0, width - columns(s))) + s;
