/**
 * A model's name as the page shows it: the catalogue's name for a bundled model in the page's
 * language (`modelNames.<id>`), else the manifest's. Only the text changes: values, `data-*`
 * attributes and the store keep the manifest's name.
 */
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ModelEntry } from '../../core/model/manifest';
import { useLens } from '../store';

/** English shows the manifest's own name (so a renamed entry shows as renamed). */
export function modelDisplayName(
  t: TFunction,
  language: string,
  entry: Pick<ModelEntry, 'id' | 'name'>,
): string {
  if (language === 'en') return entry.name;
  // Ids hold dots ("ghostnet-0.5x-seeded"), which i18next reads as nesting: look the id up in
  // the object instead of building a key.
  const names = t('modelNames', { returnObjects: true }) as unknown as Record<string, string>;
  return Object.hasOwn(names, entry.id) ? names[entry.id]! : entry.name;
}

/** Name -> shown name, for names the store holds as text (status, stage): the manifest's entry. */
export function useModelName(): (name: string) => string {
  const { t, i18n } = useTranslation();
  const manifest = useLens((s) => s.manifest);
  return (name) => {
    const entry = manifest?.models.find((m) => m.name === name);
    return entry ? modelDisplayName(t, i18n.language, entry) : name;
  };
}
