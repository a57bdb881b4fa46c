import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from './ErrorText';
import { loadCompareModel } from '../controller';
import { useLens } from '../store';
import { backendText } from './format';
import { modelDisplayName, useModelName } from './model-name';

/** A second model for side-by-side comparison (e.g. fp16 vs fp32); each new image goes through both. */
export function ComparePicker() {
  const manifest = useLens((s) => s.manifest);
  const status = useLens((s) => s.compareStatus);
  const choice = useLens((s) => s.compareChoice);
  const converted = useLens((s) => s.converted);
  const file = useRef<HTMLInputElement>(null);
  const { t, i18n } = useTranslation();
  const shown = useModelName();
  const convertedIndex =
    choice?.type === 'file' ? converted.findIndex((c) => c.file === choice.file) : -1;
  const value =
    choice?.type === 'manifest'
      ? choice.entry.id
      : convertedIndex >= 0
        ? `converted:${convertedIndex}`
        : choice
          ? '__file'
          : '';
  return (
    <details className="panel" data-testid="compare-panel" open={choice !== null}>
      <summary>
        {t('panels.compareSummary')}
        {status.kind === 'ready' ? `${t('app.colon')}${shown(status.name)}` : ''}
      </summary>
      <label>
        {t('panels.secondModel')}{' '}
        <select
          data-testid="compare-select"
          value={value}
          onChange={(e) => {
            const v = e.currentTarget.value;
            const entry = manifest?.models.find((m) => m.id === v);
            const made = v.startsWith('converted:')
              ? useLens.getState().converted[Number(v.slice(10))]
              : undefined;
            void loadCompareModel(
              entry ? { type: 'manifest', entry } : made ? { type: 'file', file: made.file } : null,
            );
          }}
        >
          <option value="">{t('header.none')}</option>
          {manifest?.models.map((m) => (
            <option key={m.id} value={m.id}>
              {modelDisplayName(t, i18n.language, m)}
            </option>
          ))}
          {converted.map((c, i) => (
            <option key={c.url} value={`converted:${i}`}>
              {t('header.converted', { name: c.name })}
            </option>
          ))}
          {value === '__file' && choice?.type === 'file' && (
            <option value="__file">{choice.file.name}</option>
          )}
        </select>
      </label>{' '}
      <button type="button" onClick={() => file.current?.click()}>
        {t('panels.openOnnx')}
      </button>
      <input
        ref={file}
        type="file"
        accept=".onnx"
        hidden
        data-testid="compare-model-input"
        onChange={(e) => {
          const f = e.currentTarget.files?.[0];
          if (f) void loadCompareModel({ type: 'file', file: f });
          e.currentTarget.value = '';
        }}
      />{' '}
      <span data-testid="compare-status" data-status={status.kind}>
        {status.kind === 'loading' && t('panels.compareLoading')}
        {status.kind === 'ready' &&
          t('panels.compareReady', {
            backend: backendText(status.info.backend, status.info.threads),
          })}
        {status.kind === 'error' && (
          <span className="error">
            <ErrorText error={status.error} />
          </span>
        )}
      </span>
    </details>
  );
}
