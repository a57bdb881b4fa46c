/** One line of English per finding, for the CLI and the page (the JSON keeps kind and value). */
import type { Finding } from './precision';

const g = (x: number) =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-2) ? x.toExponential(2) : x.toFixed(2);

export function describeFinding(f: Finding): string {
  const ch = f.channel === null ? '' : ` channel ${f.channel}`;
  switch (f.kind) {
    case 'weight-overflow':
      return `${f.layer}${ch}: a weight of ${g(f.value)} is beyond fp16's 65504 (Infinity in fp16)`;
    case 'bias-overflow':
      return `${f.layer}${ch}: a bias of ${g(f.value)} is beyond fp16's 65504 (a folded BatchNorm?)`;
    case 'activation-overflow':
      return `${f.layer}${ch}: activations reach ${g(f.value)}, beyond fp16's 65504`;
    case 'non-finite':
      return `${f.layer}${ch}: ${f.value} non-finite values (inherited from an earlier layer)`;
    case 'range-hog':
      return f.tier >= 2
        ? `${f.layer}${ch}: this channel holds the int8 range; the median channel's SQNR drops ${g(f.value)} dB`
        : `${f.layer}${ch}: this channel's max |x| is ${g(f.value)}x the median channel's`;
    case 'sqnr-drop':
      return `${f.layer}${ch}: the median channel's SQNR drops ${g(f.value)} dB in this layer`;
    case 'subnormal':
      return `${f.layer}: ${(f.value * 100).toFixed(1)} % of the non-zero activations are fp16 subnormals`;
    case 'layer':
      return f.value >= 0
        ? `${f.layer}${ch}: the median channel loses ${g(f.value)} dB of SQNR here`
        : `${f.layer}${ch}: the median channel gains ${g(-f.value)} dB of SQNR here`;
  }
}
