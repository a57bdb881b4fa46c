import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isPresetId, PRESETS } from '../../core/preprocess/preprocess';
import { effectivePreset } from '../controller';
import { useLens } from '../store';
import { ComparePicker } from './ComparePicker';
import { ConvertPanel } from './ConvertPanel';
import { LabelsPicker } from './LabelsPicker';
import { ModelPanel } from './ModelPanel';
import { OfflinePanel } from './OfflinePanel';
import { PrecisionPanel } from './PrecisionPanel';
import { QuantizePanel } from './QuantizePanel';
import { VerifyPanel } from './VerifyPanel';

/** Wide enough for a side column: the tools are open beside the results from the start. */
const WIDE = '(min-width: 1100px)';

/**
 * The expert tools in one place: a side column on wide screens, a collapsed section below the
 * results on narrow ones. They never push the results down.
 */
export function EngineerTools() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(() => window.matchMedia(WIDE).matches);
  // The shown preset follows the override, the chosen model and the active model's metadata.
  useLens((s) => s.presetOverride);
  useLens((s) => s.choice);
  useLens((s) => s.activeInfo);
  return (
    <aside className="tools-col" data-testid="engineer-tools" aria-label={t('tools.title')}>
      <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <strong>{t('tools.title')}</strong> <span className="muted">{t('tools.hint')}</span>
        </summary>
        <label className="tool-row">
          {t('tools.preset')}{' '}
          <select
            data-testid="preset-select"
            value={effectivePreset()}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (isPresetId(v)) useLens.getState().setPresetOverride(v);
            }}
          >
            {Object.values(PRESETS).map((p) => (
              <option key={p.id} value={p.id} title={p.title}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
        <LabelsPicker />
        <ModelPanel />
        <ConvertPanel />
        <QuantizePanel />
        <PrecisionPanel />
        <ComparePicker />
        <VerifyPanel />
        <OfflinePanel />
      </details>
    </aside>
  );
}
