import { useTranslation } from 'react-i18next';
import { compareListInPlace } from '../compare-in-place';
import { compareOtherPrecision } from '../controller';
import { useSay } from '../i18n/message';
import { useLens } from '../store';

/** Checkpoint conversion: options, and the models converted in this session (downloadable). */
export function ConvertPanel() {
  const options = useLens((s) => s.convertOptions);
  const converted = useLens((s) => s.converted);
  const { t } = useTranslation();
  const say = useSay();
  return (
    <details className="panel" data-testid="convert-panel" open={converted.length > 0}>
      <summary>
        {t('panels.convertSummary')}
        {converted.length > 0 && t('panels.convertedCount', { count: converted.length })}
      </summary>
      <p className="muted">{t('panels.convertBody')}</p>
      <label>
        <input
          type="checkbox"
          checked={options.fp16}
          onChange={(e) => useLens.getState().setConvertOptions({ fp16: e.currentTarget.checked })}
        />{' '}
        {t('panels.fp16')}
      </label>{' '}
      <label>
        <input
          type="checkbox"
          checked={options.features}
          onChange={(e) =>
            useLens.getState().setConvertOptions({ features: e.currentTarget.checked })
          }
        />{' '}
        {t('panels.features')}
      </label>
      <ul>
        {converted.map((c, i) => (
          <li key={c.url} data-testid="converted-model" data-name={c.name} data-params={c.params}>
            {t('panels.convertedLine', {
              name: c.name,
              description: say(c.messages?.description, c.description),
              params: (c.params / 1e6).toFixed(3),
              gmacs: c.gmacs.toFixed(3),
              layout: say(c.messages?.layout, c.layout),
              seconds: (c.ms / 1000).toFixed(1),
            })}{' '}
            <a href={c.url} download={c.name} data-testid="download-onnx">
              {t('panels.download')}
            </a>{' '}
            {/* One button per checkpoint: the other precision made by it is not offered again. */}
            {converted.findIndex((o) => o.checkpoint === c.checkpoint) === i && (
              <button
                type="button"
                data-testid="compare-precision"
                onClick={() => void compareOtherPrecision(c).then(compareListInPlace)}
              >
                {t('panels.compareFp16')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}
