/**
 * One line per finding for people, as data (src/core/message.ts): the English text (the CLI's
 * and the page's English; the JSON keeps kind and value) and its message, rendered in the
 * reader's language. Values travel already formatted, so every language shows the same numbers.
 */
import { message, type Message, type Note } from '../message';
import type { Finding } from './precision';

const g = (x: number) =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-2) ? x.toExponential(2) : x.toFixed(2);

/** "stage1.0.conv" or "stage1.0.conv channel 3": where a finding is. */
function where(f: Finding): { text: string; message: Message } {
  return f.channel === null
    ? { text: f.layer, message: message('precision.at', { layer: f.layer }) }
    : {
        text: `${f.layer} channel ${f.channel}`,
        message: message('precision.atChannel', { layer: f.layer, channel: f.channel }),
      };
}

export function findingNote(f: Finding): Note {
  const at = where(f);
  const v = g(f.value);
  const note = (text: string, key: Parameters<typeof message>[0], params = {}): Note => ({
    text,
    message: message(key, { at: at.message, ...params }),
  });
  switch (f.kind) {
    case 'weight-overflow':
      return note(
        `${at.text}: a weight of ${v} is beyond fp16's 65504 (Infinity in fp16)`,
        'precision.weightOverflow',
        { value: v },
      );
    case 'bias-overflow':
      return note(
        `${at.text}: a bias of ${v} is beyond fp16's 65504 (a folded BatchNorm?)`,
        'precision.biasOverflow',
        { value: v },
      );
    case 'activation-overflow':
      return note(
        `${at.text}: activations reach ${v}, beyond fp16's 65504`,
        'precision.activationOverflow',
        { value: v },
      );
    case 'non-finite':
      return note(
        `${at.text}: ${f.value} non-finite values (inherited from an earlier layer)`,
        'precision.nonFinite',
        { count: f.value },
      );
    case 'range-hog':
      return f.tier >= 2
        ? note(
            `${at.text}: this channel holds the int8 range; the median channel's SQNR drops ${v} dB`,
            'precision.rangeHog',
            { db: v },
          )
        : note(
            `${at.text}: this channel's max |x| is ${v}x the median channel's`,
            'precision.rangeShare',
            { ratio: v },
          );
    case 'sqnr-drop':
      return note(
        `${at.text}: the median channel's SQNR drops ${v} dB in this layer`,
        'precision.sqnrDrop',
        { db: v },
      );
    case 'subnormal': {
      // Per layer: the layer alone, whatever channel the finding names.
      const share = (f.value * 100).toFixed(1);
      return {
        text: `${f.layer}: ${share} % of the non-zero activations are fp16 subnormals`,
        message: message('precision.subnormal', {
          at: message('precision.at', { layer: f.layer }),
          share,
        }),
      };
    }
    case 'layer':
      return f.value >= 0
        ? note(`${at.text}: the median channel loses ${v} dB of SQNR here`, 'precision.layerLoss', {
            db: v,
          })
        : note(
            `${at.text}: the median channel gains ${g(-f.value)} dB of SQNR here`,
            'precision.layerGain',
            { db: g(-f.value) },
          );
  }
}

/** The finding's English line (what the JSON's readers and the English page see). */
export function describeFinding(f: Finding): string {
  return findingNote(f).text;
}
