/** The checkpoint reader's errors, one wording per kind so every message reads the same way. */
import { allocate as allocateOr } from '../bytes/allocate';
import { LensError } from '../errors';

/** The bytes contradict themselves (truncated, overwritten, sizes that disagree). */
export function corrupt(detail: string): LensError {
  return new LensError(
    'corrupt-checkpoint',
    `The checkpoint file is damaged: ${detail}. Download or copy it again.`,
  );
}

/** Some other kind of file (text, ONNX, a zip of something else, a plain pickle). */
export function notCheckpoint(detail: string): LensError {
  return new LensError('not-a-checkpoint', `This file is not a PyTorch checkpoint: ${detail}.`);
}

/** A real PyTorch file that this reader does not handle (TorchScript, quantized tensors, ...). */
export function unsupported(
  detail: string,
  remedy = 're-save the weights with torch.save(model.state_dict(), path)',
): LensError {
  return new LensError(
    'unsupported-checkpoint',
    `RepOpt Lens cannot read this checkpoint: ${detail}; ${remedy}.`,
  );
}

/** The file would run code under torch.load, or is shaped to exhaust memory or the stack. */
export function unsafe(
  detail: string,
  why = 'RepOpt Lens never executes checkpoint code',
): LensError {
  return new LensError('unsafe-checkpoint', `Refused: ${detail}; ${why}.`);
}

/** The checkpoint reader's bounded allocation: an impossible size is a message, not a crash. */
export function allocate(bytes: number, what: string): Uint8Array {
  return allocateOr(bytes, (n) =>
    unsupported(
      `${what} needs ${n.toLocaleString('en-US')} bytes, more than this browser can allocate`,
      'use a machine with more memory',
    ),
  );
}
