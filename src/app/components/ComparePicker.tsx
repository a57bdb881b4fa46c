import { useRef } from 'react';
import { loadCompareModel } from '../compare';
import { useLens } from '../store';

/** A second model for side-by-side comparison (e.g. fp16 vs fp32); each new image goes through both. */
export function ComparePicker() {
  const manifest = useLens((s) => s.manifest);
  const status = useLens((s) => s.compareStatus);
  const choice = useLens((s) => s.compareChoice);
  const file = useRef<HTMLInputElement>(null);
  return (
    <details className="panel" data-testid="compare-panel" open={choice !== null}>
      <summary>
        Compare with a second model{status.kind === 'ready' ? `: ${status.name}` : ''}
      </summary>
      <label>
        Second model{' '}
        <select
          data-testid="compare-select"
          value={choice?.type === 'manifest' ? choice.entry.id : choice ? '__file' : ''}
          onChange={(e) => {
            const entry = manifest?.models.find((m) => m.id === e.currentTarget.value);
            void loadCompareModel(entry ? { type: 'manifest', entry } : null);
          }}
        >
          <option value="">(none)</option>
          {manifest?.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
          {choice?.type === 'file' && <option value="__file">{choice.file.name}</option>}
        </select>
      </label>{' '}
      <button type="button" onClick={() => file.current?.click()}>
        Open .onnx…
      </button>
      <input
        ref={file}
        type="file"
        accept=".onnx"
        hidden
        data-testid="compare-model-input"
        onChange={(e) => {
          const f = e.currentTarget.files?.[0];
          if (f) void loadCompareModel({ type: 'file', file: f });
          e.currentTarget.value = '';
        }}
      />{' '}
      <span data-testid="compare-status" data-status={status.kind}>
        {status.kind === 'loading' && 'loading…'}
        {status.kind === 'ready' &&
          `ready (${status.info.backend}); new images go through both models`}
        {status.kind === 'error' && <span className="error">{status.error.message}</span>}
      </span>
    </details>
  );
}
