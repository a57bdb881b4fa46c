import type { Prediction } from '../../core/inference/classify';

/** The labelled probability bars; rows carry the automation contract's data attributes. */
export function Top5Bars({
  predictions,
  highlight,
}: {
  predictions: readonly Prediction[];
  highlight?: ReadonlySet<number>;
}) {
  return (
    <ol className="top5">
      {predictions.map((p) => (
        <li
          key={p.index}
          data-testid="top5-row"
          data-class-index={p.index}
          data-label={p.label}
          data-probability={String(p.probability)}
          className={highlight && !highlight.has(p.index) ? 'differs' : undefined}
        >
          <div className="bar" style={{ width: `${(p.probability * 100).toFixed(2)}%` }} />
          <span className="pct">{(p.probability * 100).toFixed(2)}%</span>
          <span className="label">
            {/* Isolated: a label's bidi controls (U+202E) must not reorder the index beside it. */}
            <bdi>{p.label}</bdi> <small>#{p.index}</small>
          </span>
        </li>
      ))}
    </ol>
  );
}
