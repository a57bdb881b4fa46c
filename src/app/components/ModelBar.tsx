import { CHECKPOINT_ACCEPT } from '../../core/checkpoint/names';
import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isBackendPreference } from '../../core/inference/backend';
import { useTranslation } from 'react-i18next';
import { loadModel, openModelFiles, setLabelLanguage } from '../controller';
import { setLanguage } from '../i18n';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../../i18n/language';
import { useLens } from '../store';
import { ModelStatusBadge } from './ModelStatusBadge';

/** English or 简体中文; the label language follows (and can then be switched on its own). */
function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <label className="lang">
      <span className="sr-only">{t('app.language')}</span>
      <select
        data-testid="language-select"
        aria-label={t('app.language')}
        value={i18n.language}
        onChange={(e) => {
          const v = e.currentTarget.value;
          if (!isLanguage(v)) return;
          setLanguage(v);
          void setLabelLanguage(v);
        }}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ModelBar() {
  const { manifest, manifestError, choice, backendPreference } = useLens(
    useShallow((s) => ({
      manifest: s.manifest,
      manifestError: s.manifestError,
      choice: s.choice,
      backendPreference: s.backendPreference,
    })),
  );
  const { t } = useTranslation();
  const fileInput = useRef<HTMLInputElement>(null);
  const converted = useLens((s) => s.converted);
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
    <div className="model-bar">
      <label>
        {t('header.model')}{' '}
        <select
          data-testid="model-select"
          value={selected}
          onChange={(e) => {
            const value = e.currentTarget.value;
            const entry = manifest?.models.find((m) => m.id === value);
            const converted = value.startsWith('converted:')
              ? useLens.getState().converted[Number(value.slice(10))]
              : undefined;
            if (entry) void loadModel({ type: 'manifest', entry });
            else if (converted) void loadModel({ type: 'file', file: converted.file });
          }}
        >
          {selected === '' && <option value="">{t('header.none')}</option>}
          {manifest?.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
              {m.untrained && !/untrained/i.test(m.name) ? t('header.untrainedSuffix') : ''}
            </option>
          ))}
          {converted.map((c, i) => (
            <option key={c.url} value={`converted:${i}`}>
              {t('header.converted', { name: c.name })}
            </option>
          ))}
          {selected === '__other' && choice && choice.type !== 'manifest' && (
            <option value="__other">
              {choice.type === 'file' ? choice.file.name : choice.url}
            </option>
          )}
        </select>
      </label>
      <button type="button" data-testid="open-model" onClick={() => fileInput.current?.click()}>
        {t('header.openModel')}
      </button>
      <input
        ref={fileInput}
        type="file"
        accept={`.onnx,.data,.onnx_data,${CHECKPOINT_ACCEPT}`}
        multiple
        hidden
        data-testid="model-input"
        onChange={(e) => {
          // Several files: a model saved with ONNX external data and its data file.
          void openModelFiles([...(e.currentTarget.files ?? [])]);
          e.currentTarget.value = '';
        }}
      />
      <label>
        {t('header.backend')}{' '}
        <select
          data-testid="backend-select"
          value={backendPreference}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (!isBackendPreference(v)) return;
            useLens.getState().setBackendPreference(v);
            if (choice) void loadModel(choice);
          }}
        >
          <option value="auto">{t('header.auto')}</option>
          <option value="wasm">{t('header.wasm')}</option>
          <option value="webgpu">{t('header.webgpu')}</option>
        </select>
      </label>
      <LanguageSelect />
      <ModelStatusBadge />
      {manifestError && (
        <p className="error">{t('header.manifestError', { message: manifestError })}</p>
      )}
    </div>
  );
}
