import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../../core/quantize/calibrate';
import type { Progress } from '../../engine/types';
import { compareWithInt8, quantizeCurrent, type QuantizeOutcome } from '../quantize';
import { useLens } from '../store';

type Run =
  | { kind: 'idle' }
  | { kind: 'running'; progress: Progress | null }
  | { kind: 'done'; result: QuantizeOutcome }
  | { kind: 'error'; message: string };

const PHASE = {
  download: 'quantize.phaseDownload',
  calibrate: 'quantize.phaseCalibrate',
  rank: 'quantize.phaseRank',
  measure: 'quantize.phaseMeasure',
} as const;
const phaseKey = (phase: string) => (phase in PHASE ? PHASE[phase as keyof typeof PHASE] : null);
const db = (x: number) => `${x.toFixed(2)} dB`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * "Quantize to int8": the current model, calibrated on the photos in the list (engineer tools).
 * Self-contained (local state); the work runs in the main worker (Engine.quantize).
 */
export function QuantizePanel() {
  const { t } = useTranslation();
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
      <summary>{t('quantize.title')}</summary>
      <p className="muted">{t('quantize.intro', { count: photos })}</p>
      <label>
        {t('quantize.method')}{' '}
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
        {t('quantize.keep')}{' '}
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
        {t('quantize.run')}
      </button>
      {run.kind === 'running' && (
        <>
          {' '}
          <span data-testid="quantize-progress">
            {run.progress
              ? `${phaseKey(run.progress.phase) ? t(phaseKey(run.progress.phase)!) : run.progress.phase} ${run.progress.loaded}${run.progress.total ? `/${run.progress.total}` : ''}`
              : t('quantize.starting')}
          </span>{' '}
          <button
            type="button"
            data-testid="quantize-cancel"
            onClick={() => abort.current?.abort()}
          >
            {t('quantize.cancel')}
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
  const { t } = useTranslation();
  const r = result.report;
  const a = r.agreement;
  const byName = new Map(r.layers.map((l) => [l.name, l]));
  return (
    <div data-testid="quantize-report">
      <p data-testid="quantize-summary">
        {t('quantize.summary', {
          method: `${r.method}${r.percentile !== null ? ` ${r.percentile}` : ''}`,
          images: r.images,
          skipped:
            result.skipped.length > 0
              ? t('quantize.skipped', { count: result.skipped.length })
              : '',
          top1: pct(a.top1Agreement),
          top5: pct(a.top5Overlap),
          maxDp: a.maxAbsProbabilityDiff.toExponential(2),
          mean: db(a.meanLogitsSqnrDb),
          worst: db(a.worstLogitsSqnrDb),
          kept:
            r.keptFloat.length > 0 ? t('quantize.kept', { layers: r.keptFloat.join(', ') }) : '',
          seconds: (result.ms / 1000).toFixed(1),
        })}{' '}
        <a href={result.url} download={result.file.name} data-testid="quantize-download">
          {t('quantize.download', { name: result.file.name })}
        </a>{' '}
        <button
          type="button"
          data-testid="quantize-compare"
          onClick={() => void compareWithInt8(result.file)}
        >
          {t('quantize.compare')}
        </button>
      </p>
      <div className="table-scroll">
        <table className="quant-layers">
          <thead>
            <tr>
              <th>{t('quantize.layer')}</th>
              <th>{t('quantize.added')}</th>
              <th>{t('quantize.outputSqnr')}</th>
              <th>{t('quantize.inputSqnr')}</th>
              <th>{t('quantize.scale')}</th>
            </tr>
          </thead>
          <tbody>
            {r.worst.map((name) => {
              const l = byName.get(name)!;
              return (
                <tr key={name} data-testid="quantize-layer" data-name={name}>
                  <td>
                    {name}
                    {l.float ? ` (${t('quantize.float')})` : ''}
                  </td>
                  <td>{db(l.addedSqnrDb)}</td>
                  <td>{db(l.sqnrDb)}</td>
                  <td>{db(l.inputSqnrDb)}</td>
                  <td>
                    {l.output
                      ? `${l.output.scale.toExponential(3)} / ${l.output.zeroPoint}`
                      : t('quantize.float')}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
