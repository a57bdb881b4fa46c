/** The error for a state_dict that is not RepOpt-VGG at all: say what it looks like instead. */
import { LensError } from '../errors';

export const sampleKeys = (keys: readonly string[], n = 5): string =>
  keys.length > n ? `${keys.slice(0, n).join(', ')}, … (${keys.length} in all)` : keys.join(', ');

function lookalike(keys: readonly string[]): string | null {
  const has = (re: RegExp) => keys.some((k) => re.test(k));
  if (has(/rbr_dense|rbr_1x1|rbr_reparam/)) {
    return 'it looks like a RepVGG model (rbr_dense / rbr_1x1 branches), a different layout from RepOpt-VGG';
  }
  if (has(/^conv1\.weight$/) && has(/^layer[1-4]\./) && has(/^fc\.weight$/)) {
    return 'it looks like a ResNet (conv1, layer1-4, fc)';
  }
  if (has(/^features\.\d+\.weight$/) && has(/^classifier\./)) {
    return 'it looks like a torchvision VGG/AlexNet-style model (features, classifier)';
  }
  const nested = keys.find((k) => /^[^.]+(\.[^.]+)*?\.stage0\./.test(k));
  if (nested) {
    const prefix = nested.slice(0, nested.indexOf('stage0.'));
    return `its RepOpt-VGG keys are nested under "${prefix}"; save the inner model's state_dict`;
  }
  return null;
}

export function notRepOpt(keys: readonly string[]): LensError {
  const hint = lookalike(keys);
  return new LensError(
    'unknown-architecture',
    `This checkpoint is not a RepOpt-VGG model${hint ? `: ${hint}` : ''}. ` +
      `Found ${keys.length} tensors (${sampleKeys(keys)}); expected RepOpt-VGG keys such as ` +
      'stage0.conv.weight, stage1.0.conv.weight, …, stage4.0.bn.weight, linear.weight.',
  );
}

/** A RepOpt-VGG-like checkpoint that does not fit the layout: name the key and the problem. */
export const badLayout = (problem: string) =>
  new LensError(
    'unknown-architecture',
    `Not a RepOpt-VGG checkpoint the converter can read: ${problem}.`,
  );
