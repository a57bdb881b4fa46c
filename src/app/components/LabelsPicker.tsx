import { useRef } from 'react';
import { loadLabels } from '../controller';
import { useLens } from '../store';

/** Class labels: the bundled ImageNet-1k list, or a file of the user's. */
export function LabelsPicker() {
  const info = useLens((s) => s.labelsInfo);
  const input = useRef<HTMLInputElement>(null);
  return (
    <span className="labels" data-testid="labels-status" data-count={info.count}>
      Labels: {info.name} ({info.count}){' '}
      <button type="button" onClick={() => input.current?.click()}>
        Open labels…
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
      />
      {info.warning && (
        <em className="warn" data-testid="labels-warning">
          {' '}
          {info.warning}
        </em>
      )}
      {info.error && (
        <span className="error" role="alert" data-testid="labels-error">
          {' '}
          {info.error}
        </span>
      )}
    </span>
  );
}
