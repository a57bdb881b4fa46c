/**
 * The one way a checkpoint becomes a model in the page: converted in a worker (read safely, fused,
 * written as ONNX) and loaded there, with the load's status shown; then the ONNX is registered
 * with the page's converted models (download, reopen, the other precision). The main model and the
 * comparison model both go through here.
 */
import type { BackendPreference } from '../core/inference/backend';
import type { ConvertedModel, ModelInfo } from '../engine/types';
import type { LensClient } from './lens-client';
import { trackLoad } from './models';
import type { ConvertedEntry, LensState, ModelStatus } from './store';
import type { KernelsPreference } from '../engine/backends';

export interface ConvertJob {
  worker: Pick<LensClient, 'convert'>;
  checkpoint: File;
  fp16: boolean;
  features: boolean;
  backend: BackendPreference;
  /** The page's session options (`?threads`, `?fast`, `?fastbg`). */
  session: {
    threads?: number;
    fast?: boolean;
    kernels?: KernelsPreference;
    fastInBackgroundFrom?: number;
  };
  /** What the status line calls the load. */
  label: string;
  setStatus: (status: ModelStatus) => void;
  stillUsing: () => ModelInfo | null;
  /** The ONNX's file name, from the loaded model's (default: the same). */
  onnxName?: (info: ModelInfo) => string;
  register: LensState['addConverted'];
  objectUrl: (blob: Blob) => string;
}

export async function convertAndRegister(
  job: ConvertJob,
): Promise<{ info: ModelInfo; entry: ConvertedEntry } | { error: unknown }> {
  const bytes = await job.checkpoint.arrayBuffer();
  const outcome = await trackLoad<{ info: ModelInfo; converted: ConvertedModel }>(
    job.label,
    'read',
    job.setStatus,
    job.stillUsing,
    (onProgress) =>
      job.worker.convert({
        bytes,
        name: job.checkpoint.name,
        fp16: job.fp16,
        features: job.features,
        backend: job.backend,
        ...job.session,
        onProgress,
      }),
  );
  if ('error' in outcome) return outcome;
  const { info, converted } = outcome.made;
  const name = job.onnxName?.(info) ?? info.name;
  const file = new File([converted.onnx], name, { type: 'application/octet-stream' });
  const entry: ConvertedEntry = {
    name,
    url: job.objectUrl(file),
    file,
    description: converted.description,
    params: converted.params,
    gmacs: converted.gmacs,
    layout: converted.layout,
    ms: converted.ms,
    messages: converted.messages,
    checkpoint: job.checkpoint,
    fp16: job.fp16,
  };
  job.register(entry);
  return { info, entry };
}
