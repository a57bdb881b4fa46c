import { useRef, useState } from 'react';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../../core/quantize/calibrate';
import type { Progress } from '../../engine/types';
import { compareWithInt8, quantizeCurrent, type QuantizeOutcome } from '../quantize';
import { useLens } from '../store';

type Run =
  | { kind: 'idle' }
  | { kind: 'running'; progress: Progress | null }
  | { kind: 'done'; result: QuantizeOutcome }
  | { kind: 'error'; message: string };

const PHASE: Record<string, string> = {
  download: 'reading the model',
  calibrate: 'calibrating',
  rank: 'ranking layers',
  measure: 'measuring against float',
};
const db = (x: number) => `${x.toFixed(2)} dB`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * "Quantize to int8": the current model, calibrated on the photos in the list (engineer tools).
 * Self-contained (local state); the work runs in the main worker (Engine.quantize).
 */
export function QuantizePanel() {
  const photos = useLens((s) => new Set(s.results.map((r) => r.fileName)).size);
  const ready = useLens((s) => s.activeInfo !== null);
  const [method, setMethod] = useState<CalibrationMethod>('percentile');
  const [keep, setKeep] = useState(0);
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);

  const start = () => {
    const controller = new AbortController();
    abort.current = controller;
    setRun({ kind: 'running', progress: null });
    quantizeCurrent(
      { method, keepFloat: keep },
      (progress) => setRun({ kind: 'running', progress }),
      controller.signal,
    ).then(
      (result) => setRun({ kind: 'done', result }),
      (e: unknown) =>
        setRun(
          (e as { code?: string }).code === 'aborted'
            ? { kind: 'idle' }
            : { kind: 'error', message: (e as Error).message },
        ),
    );
  };

  return (
    <details className="panel" data-testid="quantize-panel" open={run.kind !== 'idle'}>
      <summary>Quantize to int8 (calibrated on the photos in the list)</summary>
      <p className="muted">
        Static int8 (uint8 activations, int8 per-channel weights) of the current model, calibrated
        on the {photos} photo{photos === 1 ? '' : 's'} below; then the report: how far int8 departs
        from float, and which layer breaks.
      </p>
      <label>
        Calibration{' '}
        <select
          data-testid="quantize-method"
          value={method}
          onChange={(e) => setMethod(e.currentTarget.value as CalibrationMethod)}
        >
          {CALIBRATION_METHODS.map((m) => (
            <option key={m} value={m}>
              {m === 'percentile' ? 'percentile 99.99' : m === 'kl' ? 'KL (TensorRT)' : m}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        keep worst layers float{' '}
        <input
          type="number"
          min={0}
          max={8}
          value={keep}
          data-testid="quantize-keep"
          onChange={(e) => setKeep(Math.max(0, Math.trunc(Number(e.currentTarget.value) || 0)))}
          style={{ width: '3em' }}
        />
      </label>{' '}
      <button
        type="button"
        data-testid="quantize-run"
        disabled={!ready || photos === 0 || run.kind === 'running'}
        onClick={start}
      >
        Quantize to int8
      </button>
      {run.kind === 'running' && (
        <>
          {' '}
          <span data-testid="quantize-progress">
            {run.progress
              ? `${PHASE[run.progress.phase] ?? run.progress.phase} ${run.progress.loaded}${run.progress.total ? `/${run.progress.total}` : ''}`
              : 'starting…'}
          </span>{' '}
          <button
            type="button"
            data-testid="quantize-cancel"
            onClick={() => abort.current?.abort()}
          >
            Cancel
          </button>
        </>
      )}
      {run.kind === 'error' && (
        <p className="error" data-testid="quantize-error">
          {run.message}
        </p>
      )}
      {run.kind === 'done' && <Report result={run.result} />}
    </details>
  );
}

function Report({ result }: { result: QuantizeOutcome }) {
  const r = result.report;
  const a = r.agreement;
  const byName = new Map(r.layers.map((l) => [l.name, l]));
  return (
    <div data-testid="quantize-report">
      <p data-testid="quantize-summary">
        {r.method}
        {r.percentile !== null ? ` ${r.percentile}` : ''} on {r.images} photos
        {result.skipped.length > 0 && ` (${result.skipped.length} unreadable, skipped)`}; int8 vs
        float: top-1 agreement {pct(a.top1Agreement)}, top-5 overlap {pct(a.top5Overlap)}, max |Δp|{' '}
        {a.maxAbsProbabilityDiff.toExponential(2)}; logits SQNR mean {db(a.meanLogitsSqnrDb)}, worst
        photo {db(a.worstLogitsSqnrDb)}
        {r.keptFloat.length > 0 && `; kept float: ${r.keptFloat.join(', ')}`}. Made in{' '}
        {(result.ms / 1000).toFixed(1)} s.{' '}
        <a href={result.url} download={result.file.name} data-testid="quantize-download">
          Download {result.file.name}
        </a>{' '}
        <button
          type="button"
          data-testid="quantize-compare"
          onClick={() => void compareWithInt8(result.file)}
        >
          Compare float and int8 on these photos
        </button>
      </p>
      <table className="quant-layers">
        <thead>
          <tr>
            <th>layer (most added noise first)</th>
            <th>added</th>
            <th>output SQNR</th>
            <th>input SQNR</th>
            <th>output scale / zero point</th>
          </tr>
        </thead>
        <tbody>
          {r.worst.map((name) => {
            const l = byName.get(name)!;
            return (
              <tr key={name} data-testid="quantize-layer" data-name={name}>
                <td>
                  {name}
                  {l.float ? ' (float)' : ''}
                </td>
                <td>{db(l.addedSqnrDb)}</td>
                <td>{db(l.sqnrDb)}</td>
                <td>{db(l.inputSqnrDb)}</td>
                <td>
                  {l.output
                    ? `${l.output.scale.toExponential(3)} / ${l.output.zeroPoint}`
                    : 'float'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
