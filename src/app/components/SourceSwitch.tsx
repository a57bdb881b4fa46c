import { useTranslation } from 'react-i18next';
import { stopCamera } from '../live';
import { useLens } from '../store';
import { TOUCH_ONLY } from '../touch';

/** Where images come from: photos (drop, paste, pick, examples) or the camera, in one place. */
export function SourceSwitch() {
  const source = useLens((s) => s.source);
  const { t } = useTranslation();
  const pick = (next: 'photos' | 'camera') => {
    if (next === 'photos' && useLens.getState().live.on) stopCamera();
    useLens.getState().setSource(next);
  };
  return (
    <div className="source-switch" role="tablist" aria-label={t('source.label')}>
      {(['photos', 'camera'] as const).map((s) => (
        <button
          key={s}
          type="button"
          role="tab"
          aria-selected={source === s}
          className={source === s ? 'tab on' : 'tab'}
          data-testid={`source-${s}`}
          onClick={() => pick(s)}
        >
          {t(`source.${s}`)}
        </button>
      ))}
      <button
        type="button"
        className="stage-button"
        data-testid="stage-toggle"
        onClick={() => useLens.getState().setStage(!useLens.getState().stage)}
      >
        {TOUCH_ONLY ? t('stage.openTouch') : t('stage.open')}
      </button>
    </div>
  );
}
