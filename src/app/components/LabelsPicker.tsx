import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useSay } from '../i18n/message';
import { loadLabels, setLabelLanguage } from '../controller';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../../i18n/language';
import { useLens } from '../store';

/**
 * Class labels: the bundled ImageNet-1k names (English or 简体中文), or a file of the user's,
 * which wins. One source for photos, the camera, the stage view and the comparison model.
 */
export function LabelsPicker() {
  const info = useLens((s) => s.labelsInfo);
  const language = useLens((s) => s.labelLanguage);
  const input = useRef<HTMLInputElement>(null);
  const { t } = useTranslation();
  const say = useSay();
  const name =
    info.kind === 'user'
      ? info.name
      : info.kind === 'zh'
        ? t('labels.bundledZh')
        : t('labels.bundledEn');
  return (
    <div className="labels tool-row">
      <span
        data-testid="labels-status"
        data-count={info.count}
        data-source={info.kind}
        data-name={info.name}
      >
        {t('labels.status', { name, count: info.count })}
      </span>{' '}
      <button type="button" onClick={() => input.current?.click()}>
        {t('labels.open')}
      </button>
      <input
        ref={input}
        type="file"
        accept=".txt,.json"
        hidden
        data-testid="labels-input"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) void loadLabels(file);
          e.currentTarget.value = '';
        }}
      />{' '}
      <label>
        {t('labels.language')}{' '}
        <select
          data-testid="label-language-select"
          value={language}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (isLanguage(v)) void setLabelLanguage(v);
          }}
        >
          {LANGUAGES.map((l) => (
            <option key={l} value={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </label>
      {info.kind === 'user' && <span className="muted"> ({t('labels.userWins')})</span>}
      {info.warning && (
        <em className="warn" data-testid="labels-warning">
          {' '}
          {say(info.warningMessage, info.warning)}
        </em>
      )}
      {info.error && (
        <span className="error" role="alert" data-testid="labels-error">
          {' '}
          {info.error}
        </span>
      )}
    </div>
  );
}
