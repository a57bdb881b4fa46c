import { useShallow } from 'zustand/react/shallow';
import { useTranslation } from 'react-i18next';
import { loadModel } from '../controller';
import { useLens } from '../store';
import { modelDisplayName } from './model-name';

/**
 * The model list (the manifest's models, those converted in the page, and a file or URL opened
 * otherwise) as one select: in the header, and small on the stage so a presenter switches models
 * without leaving it.
 */
export function ModelSelect({ testId, label }: { testId: string; label?: string }) {
  const { manifest, choice, converted } = useLens(
    useShallow((s) => ({ manifest: s.manifest, choice: s.choice, converted: s.converted })),
  );
  const { t, i18n } = useTranslation();
  const convertedIndex =
    choice?.type === 'file' ? converted.findIndex((c) => c.file === choice.file) : -1;
  const selected =
    choice?.type === 'manifest'
      ? choice.entry.id
      : convertedIndex >= 0
        ? `converted:${convertedIndex}`
        : choice
          ? '__other'
          : '';
  return (
    <select
      data-testid={testId}
      value={selected}
      {...(label ? { 'aria-label': label } : {})}
      onChange={(e) => {
        const value = e.currentTarget.value;
        const entry = manifest?.models.find((m) => m.id === value);
        const picked = value.startsWith('converted:')
          ? useLens.getState().converted[Number(value.slice(10))]
          : undefined;
        if (entry) void loadModel({ type: 'manifest', entry });
        else if (picked) void loadModel({ type: 'file', file: picked.file });
      }}
    >
      {selected === '' && <option value="">{t('header.none')}</option>}
      {manifest?.models.map((m) => (
        <option key={m.id} value={m.id}>
          {modelDisplayName(t, i18n.language, m)}
          {m.untrained && !/untrained/i.test(m.name) ? t('header.untrainedSuffix') : ''}
        </option>
      ))}
      {converted.map((c, i) => (
        <option key={c.url} value={`converted:${i}`}>
          {t('header.converted', { name: c.name })}
        </option>
      ))}
      {selected === '__other' && choice && choice.type !== 'manifest' && (
        <option value="__other">{choice.type === 'file' ? choice.file.name : choice.url}</option>
      )}
    </select>
  );
}
