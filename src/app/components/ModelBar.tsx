import { CHECKPOINT_ACCEPT } from '../../core/checkpoint/names';
import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isBackendPreference } from '../../core/inference/backend';
import { useTranslation } from 'react-i18next';
import { loadModel, openModelFiles, setLabelLanguage } from '../controller';
import { setLanguage } from '../i18n';
import { isLanguage, LANGUAGE_NAMES, LANGUAGE_SHORT_NAMES, LANGUAGES } from '../../i18n/language';
import { useLens } from '../store';
import { ModelSelect } from './ModelSelect';
import { ModelStatusBadge } from './ModelStatusBadge';

/** A phone's header: the language select shows short names ("EN", "中文"). Read once. */
const NARROW = typeof matchMedia === 'function' && matchMedia('(max-width: 599px)').matches;

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
            {(NARROW ? LANGUAGE_SHORT_NAMES : LANGUAGE_NAMES)[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ModelBar() {
  const { manifestError, choice, backendPreference } = useLens(
    useShallow((s) => ({
      manifestError: s.manifestError,
      choice: s.choice,
      backendPreference: s.backendPreference,
    })),
  );
  const { t } = useTranslation();
  const fileInput = useRef<HTMLInputElement>(null);

  return (
    <div className="model-bar">
      {/* One row of controls; on phones the words beside them give way (see styles.css). */}
      <div className="bar-row">
        <label className="bar-model">
          <span className="bar-label">{t('header.model')}</span>{' '}
          <ModelSelect testId="model-select" label={t('header.model')} />
        </label>
        <button
          type="button"
          data-testid="open-model"
          title={t('header.openModel')}
          onClick={() => fileInput.current?.click()}
        >
          <span className="long-text">{t('header.openModel')}</span>
          <span className="short-text" aria-hidden="true">
            {t('header.openShort')}
          </span>
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
          <span className="bar-label">{t('header.backend')}</span>{' '}
          <select
            aria-label={t('header.backend')}
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
      </div>
      <ModelStatusBadge />
      {manifestError && (
        <p className="error">{t('header.manifestError', { message: manifestError })}</p>
      )}
    </div>
  );
}
