import { useTranslation } from 'react-i18next';
import { stopCamera } from '../live';
import { useLens } from '../store';
import { TOUCH_ONLY } from '../touch';

/** Opens the Engineer tools (below the results on narrow screens) and scrolls to them. */
function openTools(): void {
  const tools = document.querySelector<HTMLElement>('[data-testid=engineer-tools]');
  const details = tools?.querySelector('details');
  if (details) details.open = true;
  tools?.scrollIntoView({ block: 'start' });
}

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
      {/* Narrow screens keep the tools below the results: this opens them and goes there. */}
      <button type="button" className="tools-jump" data-testid="tools-jump" onClick={openTools}>
        {t('tools.jump')}
      </button>
    </div>
  );
}
