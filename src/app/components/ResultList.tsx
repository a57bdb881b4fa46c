import { useLens } from '../store';
import { ResultCard } from './ResultCard';

export function ResultList() {
  const results = useLens((s) => s.results);
  if (results.length === 0) {
    return (
      <p className="empty">
        Drop photos here to see what the model says: top-5, the crop it saw, and timings.
      </p>
    );
  }
  return (
    <>
      <div className="list-bar">
        <span>
          {results.length} image{results.length === 1 ? '' : 's'}
        </span>
        <button type="button" onClick={() => useLens.getState().clearResults()}>
          Clear
        </button>
      </div>
      <ol className="results">
        {results.map((r) => (
          <ResultCard key={r.id} item={r} />
        ))}
      </ol>
    </>
  );
}
