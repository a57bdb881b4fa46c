/** The file names a PyTorch checkpoint goes by: one list for the page, the drop zone and the engine. */

export const CHECKPOINT_EXTENSIONS = ['.pth', '.pt', '.ckpt', '.pkl', '.tar'] as const;

/** For a file input's `accept` attribute. */
export const CHECKPOINT_ACCEPT = CHECKPOINT_EXTENSIONS.join(',');

export function isCheckpointName(name: string): boolean {
  const lower = name.toLowerCase();
  return CHECKPOINT_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** The converted model's file name: the checkpoint's stem, `-fp16` for half weights, `.onnx`. */
export function convertedName(checkpoint: string, fp16: boolean): string {
  const lower = checkpoint.toLowerCase();
  const ext = CHECKPOINT_EXTENSIONS.find((e) => lower.endsWith(e));
  const stem = ext ? checkpoint.slice(0, -ext.length) : checkpoint;
  return `${stem}${fp16 ? '-fp16' : ''}.onnx`;
}
