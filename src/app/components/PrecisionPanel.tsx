import { Nums } from './Nums';
import { useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { findingNote, type PrecisionSide } from '../../core/precision';
import type { PrecisionResult, Progress } from '../../engine/types';
import { useSay } from '../i18n/message';
import { checkCurrentPrecision } from '../precision';
import { useLens } from '../store';

/** A load or check phase's name in the page's language (the engine's own word when unknown). */
function phaseName(t: TFunction, phase: string): string {
  return phase === 'calibrate' || phase === 'measure' ? t(`precision.phase.${phase}`) : phase;
}

type Run =
  | { kind: 'idle' }
  | { kind: 'running'; progress: Progress | null }
  | { kind: 'done'; result: PrecisionResult }
  | { kind: 'error'; message: string };

/**
 * "Check fp16 and int8" (engineer tools): a thin view of core/precision's report, the work in the
 * main worker (Engine.precision). Each side shows its first break and its top findings.
 */
export function PrecisionPanel() {
  const { t } = useTranslation();
  const photos = useLens((s) => new Set(s.results.map((r) => r.fileName)).size);
  const ready = useLens((s) => s.activeInfo !== null);
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);

  const start = () => {
    const controller = new AbortController();
    abort.current = controller;
    setRun({ kind: 'running', progress: null });
    checkCurrentPrecision(
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
    <details className="panel" data-testid="precision-panel" open={run.kind !== 'idle'}>
      <summary>{t('precision.title')}</summary>
      <p className="muted">{t('precision.intro', { count: photos })}</p>
      <button
        type="button"
        data-testid="precision-run"
        disabled={!ready || photos === 0 || run.kind === 'running'}
        onClick={start}
      >
        {t('precision.run')}
      </button>
      {run.kind === 'running' && (
        <>
          {' '}
          <span data-testid="precision-progress">
            {run.progress
              ? t('precision.progress', {
                  phase: phaseName(t, run.progress.phase),
                  done: `${run.progress.loaded}${run.progress.total ? `/${run.progress.total}` : ''}`,
                })
              : t('precision.starting')}
          </span>{' '}
          <button type="button" onClick={() => abort.current?.abort()}>
            {t('precision.cancel')}
          </button>
        </>
      )}
      {run.kind === 'error' && (
        <p className="error" data-testid="precision-error">
          {run.message}
        </p>
      )}
      {run.kind === 'done' && <Report result={run.result} />}
    </details>
  );
}

function Side({ name, side }: { name: 'fp16' | 'int8'; side: PrecisionSide }) {
  const { t } = useTranslation();
  const say = useSay();
  const top = side.ranking[0];
  return (
    <div
      data-testid={`precision-${name}`}
      data-first-break={side.firstBreak ?? ''}
      data-top-layer={top?.layer ?? ''}
      data-top-channel={top?.channel ?? ''}
      data-top-kind={top?.kind ?? ''}
    >
      <p>
        <Nums
          text={t('precision.side', {
            name,
            first: side.firstBreak ?? t('precision.none'),
            top1: `${(side.agreement.top1Agreement * 100).toFixed(1)} %`,
          })}
        />
      </p>
      <ol className="mono small">
        {side.ranking.slice(0, 5).map((f, i) => {
          const note = findingNote(f);
          return (
            <li key={i}>
              <Nums text={say(note.message, note.text)} />
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function Report({ result }: { result: PrecisionResult }) {
  const { t } = useTranslation();
  const r = result.report;
  const worst = r.batchNorm?.ranking[0];
  return (
    <div data-testid="precision-report">
      <p className="muted">
        {t('precision.summary', {
          images: r.images,
          skipped: result.skipped.length
            ? t('precision.skipped', { count: result.skipped.length })
            : '',
          seconds: (result.ms / 1000).toFixed(1),
        })}
      </p>
      <Side name="fp16" side={r.fp16} />
      <Side name="int8" side={r.int8} />
      <p data-testid="precision-bn">
        {r.batchNorm && worst
          ? t('precision.bn', {
              source: r.batchNorm.source,
              flagged: r.batchNorm.flagged,
              channels: r.batchNorm.channels,
              bn: worst.bn,
              channel: worst.channel,
              mean: worst.meanOverStd.toExponential(2),
              gain: worst.gainOverStd.toExponential(2),
            })
          : t('precision.noBn')}
      </p>
    </div>
  );
}
