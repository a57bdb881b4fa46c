/** The facts a loaded model reports (`ModelInfo`), assembled from what the load found out. */
import type { FastPathInfo } from '../core/fast';
import type { ModelIo } from '../core/inference/model-io';
import { probabilitiesNote } from '../core/inference/postprocess';
import type { ModelInspection } from '../core/model/details';
import type { Note } from '../core/message';
import type { RunnerInfo } from './backends';
import { camNote } from './notes';
import type { LoadedSession, ModelInfo } from './types';

export interface ModelFacts {
  name: string;
  session: LoadedSession;
  runner: RunnerInfo;
  io: ModelIo;
  inspection: ModelInspection | null;
  /** Whether CAMs can be computed (a features output and a readable final Linear layer). */
  hasClassifier: boolean;
  numClasses: number;
  /** The class-count note of the first run, if any. */
  classNote: Note | null;
  labelSource: string;
  labelWarning: Note | null;
  untrained: boolean;
  bytes: number;
  loadMs: number;
  warmupMs: number;
  fast: FastPathInfo;
}

export function describeModel(f: ModelFacts): ModelInfo {
  const notes = [
    ...(f.io.outputKind === 'probabilities' ? [probabilitiesNote] : []),
    ...(f.classNote ? [f.classNote] : []),
  ];
  const cam = camNote(f.hasClassifier, f.io.featuresName);
  return {
    name: f.name,
    backend: f.session.choice.backend,
    backendReason: f.session.choice.reason,
    backendFellBack: f.session.choice.fellBack,
    threads: f.session.threads,
    inputName: f.io.inputName,
    outputName: f.io.outputName,
    outputKind: f.io.outputKind,
    numClasses: f.numClasses,
    untrained: f.untrained,
    labelSource: f.labelSource,
    labelWarning: f.labelWarning?.text ?? null,
    bytes: f.bytes,
    loadMs: f.loadMs,
    warmupMs: f.warmupMs,
    details: f.inspection?.details ?? null,
    notes: notes.map((n) => n.text),
    messages: {
      labelWarning: f.labelWarning?.message ?? null,
      notes: notes.map((n) => n.message),
      backendReason: f.session.choice.message,
      cam: cam.message,
    },
    cam: { available: cam.available, reason: cam.text },
    fast: f.fast,
    runner: f.runner,
  };
}
