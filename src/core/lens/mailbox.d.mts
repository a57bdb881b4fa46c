/** Types of mailbox.mjs (the lens threads' shared-memory mailbox). */
export interface Slot {
  readonly i32: Int32Array;
  readonly args: Float64Array;
  readonly msg: Uint8Array;
}
export const SLOT_BYTES: number;
export const MAX_ARGS: number;
export function slot(buffer: ArrayBufferLike, ptr: number): Slot;
export function post(s: Slot, seq: number, fn: number, args: readonly number[]): void;
export function join(s: Slot, seq: number): string | null;
export function quit(s: Slot): void;
export function serve(s: Slot, fns: readonly ((...args: number[]) => void)[]): void;
