import { useTranslation } from 'react-i18next';
import { useLens } from '../store';
import { ResultCard } from './ResultCard';

/** The results, newest first: what was just dropped is at the top, in view. */
export function ResultList() {
  const results = useLens((s) => s.results);
  const { t } = useTranslation();
  if (results.length === 0) return <p className="empty">{t('results.empty')}</p>;
  return (
    <>
      <div className="list-bar">
        <span>
          {t('results.count', { count: results.length })} · {t('results.newestFirst')}
        </span>
        <button type="button" onClick={() => useLens.getState().clearResults()}>
          {t('results.clear')}
        </button>
      </div>
      {/* Visible text, not a tooltip: a touch screen has no hover. */}
      <p className="meta legend" data-testid="results-legend">
        {t('results.legend')}
      </p>
      <ol className="results" reversed>
        {results.toReversed().map((r) => (
          <ResultCard key={r.id} item={r} />
        ))}
      </ol>
    </>
  );
}
