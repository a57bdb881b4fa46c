import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { CHECKPOINT_ACCEPT } from '../../core/checkpoint/names';
import { openFiles } from '../controller';
import { useLens } from '../store';
import { TOUCH_ONLY } from '../touch';
import { ExamplesGallery } from './ExamplesGallery';

/**
 * The first screen's one action: a large drop zone that is also the button (and paste works
 * anywhere), with the example photos inside it. Once results exist it shrinks to a strip.
 */
export function PhotoSource() {
  const input = useRef<HTMLInputElement>(null);
  const compact = useLens((s) => s.results.length > 0);
  const { t } = useTranslation();
  return (
    <section className={compact ? 'drop-target compact' : 'drop-target'} data-testid="drop-zone">
      <button type="button" className="drop-button" onClick={() => input.current?.click()}>
        <span className="drop-title">
          {compact ? t(TOUCH_ONLY ? 'drop.moreTouch' : 'drop.more') : t('drop.title')}
        </span>
        {!compact && <span className="drop-choose">{t('drop.choose')}</span>}
        <span className="drop-hint">{TOUCH_ONLY ? t('drop.orTouch') : t('drop.or')}</span>
      </button>
      <input
        ref={input}
        type="file"
        accept={`image/*,${CHECKPOINT_ACCEPT}`}
        multiple
        hidden
        data-testid="image-input"
        onChange={(e) => {
          void openFiles([...(e.currentTarget.files ?? [])]);
          e.currentTarget.value = '';
        }}
      />
      <ExamplesGallery />
    </section>
  );
}
