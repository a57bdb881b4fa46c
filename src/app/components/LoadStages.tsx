import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { seconds, stageFraction, stageMs, type LoadStage } from '../load-stages';

/** The page's clock, ticking while something runs (the running stage's time counts up). */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(performance.now()), 200);
    return () => clearInterval(timer);
  }, [running]);
  return running ? now : 0;
}

/**
 * A load's stages in a row: each done one with its time, the running one with its progress (or
 * a spinner) and its time so far. `startedAt`: the user's choice, on the page's clock.
 */
export function LoadStages({
  stages,
  startedAt,
}: {
  stages: readonly LoadStage[];
  startedAt: number;
}) {
  const { t } = useTranslation();
  const running = stages.some((s) => s.ms === null);
  const now = useNow(running) - startedAt;
  return (
    <ol className="load-stages" data-testid="load-stages" aria-label={t('stages.title')}>
      {stages.map((stage, i) => {
        const fraction = stageFraction(stage);
        const ms = stageMs(stage, now);
        return (
          <li
            key={i}
            data-testid="load-stage"
            data-phase={stage.phase}
            data-state={stage.ms === null ? 'running' : 'done'}
            data-ms={Math.round(ms)}
          >
            {stage.ms === null ? (
              fraction === null ? (
                <span className="spinner" aria-hidden="true" />
              ) : (
                <progress value={fraction} max={1} />
              )
            ) : (
              <span aria-hidden="true">✓</span>
            )}{' '}
            {t(`stages.${stage.phase}`)}
            {stage.ms === null && fraction !== null ? ` ${(fraction * 100).toFixed(0)}%` : ''}{' '}
            <span className="stage-time">{t('stages.seconds', { s: seconds(ms) })}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** Done stages as one line ("download 0.4 s · prepare 1.2 s · warm-up 0.3 s"), for a title. */
export function stagesLine(
  stages: readonly LoadStage[],
  t: ReturnType<typeof useTranslation>['t'],
): string {
  return stages
    .map((s) => `${t(`stages.${s.phase}`)} ${t('stages.seconds', { s: seconds(s.ms ?? 0) })}`)
    .join(' · ');
}
