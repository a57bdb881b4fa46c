/**
 * A model load as a list of stages (download, reading the file, preparing the session, the fast
 * path's check, warm-up), each with its own time, kept from the progress the engine reports.
 * Times are the page's own clock from the user's choice, so "ready in" is what the user waited,
 * queueing behind earlier photos and reading the file included. No DOM, no React.
 */
import type { LoadPhase, Progress } from '../engine/types';

export interface LoadStage {
  phase: LoadPhase;
  /** When it began, in ms since the user's choice. */
  startMs: number;
  /** How long it took; null while it runs. */
  ms: number | null;
  loaded: number;
  total: number | null;
}

/**
 * The stages after one progress report at `atMs` (ms since the choice): more of the running
 * stage, or the next stage (the running one then ends). A phase seen before starts a new stage
 * (a model with external data downloads twice, around nothing else).
 */
export function advanceStages(
  stages: readonly LoadStage[],
  progress: Progress,
  atMs: number,
): LoadStage[] {
  const last = stages.at(-1);
  const { phase, loaded, total } = progress;
  if (last && last.ms === null && last.phase === phase)
    return [...stages.slice(0, -1), { ...last, loaded, total }];
  const closed = finishStages(stages, atMs);
  return [...closed, { phase, startMs: atMs, ms: null, loaded, total }];
}

/** Every stage ended (the last one at `atMs`): the load is over. */
export function finishStages(stages: readonly LoadStage[], atMs: number): LoadStage[] {
  const last = stages.at(-1);
  if (!last || last.ms !== null) return [...stages];
  return [...stages.slice(0, -1), { ...last, ms: Math.max(0, atMs - last.startMs) }];
}

/** A stage's time so far: its own when it ended, else from its start to `nowMs`. */
export function stageMs(stage: LoadStage, nowMs: number): number {
  return stage.ms ?? Math.max(0, nowMs - stage.startMs);
}

/** A stage's share done (0..1) when it can say (a download or conversion with a total), else null. */
export function stageFraction(stage: LoadStage): number | null {
  if (stage.total === null || stage.total <= 0) return null;
  return Math.min(1, stage.loaded / stage.total);
}

/** Seconds with one decimal under a minute ("0.4", "12.3"), then whole seconds (the unit is the page's). */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? s.toFixed(1) : String(Math.round(s));
}

/**
 * What a photo still waiting says: one queued while a model loads waits for that model (the
 * engine runs it after the load), not "Classifying…".
 */
export function pendingKind(queuedDuringLoad: boolean, loading: boolean): 'model' | 'classify' {
  return queuedDuringLoad && loading ? 'model' : 'classify';
}
