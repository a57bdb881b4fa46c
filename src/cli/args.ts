/** Option values checked once, with a message that names the option and the bad value. */
import { LensError } from '../core/errors';
import { t } from './i18n';

/** A whole number >= 1. */
export function parsePositiveInt(option: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new LensError('usage', t('cli.positiveInt', { option, value: String(value) }));
  return n;
}
