// The lens threads' mailbox: one slot per thread in the kernels' shared WebAssembly memory. The
// caller writes a call (a kernel's index and its numbers) and bumps the slot's sequence number;
// the thread, waiting on that number, runs the call and stores the number back as done. Both
// sides poll for up to SPIN_MS before they sleep in Atomics.wait, so a layer's phases hand over
// in microseconds, where a postMessage round trip costs about half a millisecond in Chromium, and
// neither side's core goes idle between the layers of one image: a sleeping thread's CPU may be
// halted, and in a virtual machine waking it takes as long as the host takes to run it again.
//
// Plain JavaScript with types beside it (mailbox.d.mts): Node's worker_threads load it without
// tsx, the page's thread worker imports it through Vite, and the caller's side is shared by both.

/** Bytes per thread slot: a 32-byte header, MAX_ARGS float64 arguments, an error message. */
export const SLOT_BYTES = 512;
export const MAX_ARGS = 28;
const SEQ = 0; // i32 index: the caller's call number; QUIT ends the thread's loop
const DONE = 1; // i32 index: the last call number the thread finished
const STATUS = 2; // i32 index: 0 ok, 1 the call threw (message in the slot's last 256 bytes)
const FN = 3;
const ARGC = 4;
const ARGS_AT = 32;
const MSG_AT = 256;
const MSG_BYTES = SLOT_BYTES - MSG_AT;
const QUIT = -1;
/**
 * How long a side polls before it sleeps, ms: longer than any gap between two phases of one image
 * (B1's longest is the pooling and classifier at its end, 0.5 ms), short enough that an idle
 * page's thread sleeps soon. It polled 20 000 times (about 0.1 ms) until 2026-12-06; in nine A/B
 * pairs then (B1 in Node, 2 threads, interleaved in one process; 2, 5 and about 7 ms against it),
 * the longer poll had the lower median six times: by 5.7 and 6.1 % in two slow stretches (197 and
 * 141 ms), within 3 % either way otherwise.
 */
const SPIN_MS = 2;

/** Views of the slot at byte offset `ptr` (8-aligned) of a SharedArrayBuffer. */
export function slot(buffer, ptr) {
  return {
    i32: new Int32Array(buffer, ptr, 8),
    args: new Float64Array(buffer, ptr + ARGS_AT, MAX_ARGS),
    msg: new Uint8Array(buffer, ptr + MSG_AT, MSG_BYTES),
  };
}

/** Waits until i32[index] is `want` (or, with `want` null, differs from `from`); its value. */
function waitFor(i32, index, want, from) {
  const waiting = (v) => (want === null ? v === from : v !== want);
  let v = Atomics.load(i32, index);
  if (waiting(v)) {
    const until = performance.now() + SPIN_MS;
    do {
      for (let i = 0; i < 256 && waiting(v); i++) v = Atomics.load(i32, index);
    } while (waiting(v) && performance.now() < until);
  }
  while (waiting(v)) {
    Atomics.wait(i32, index, v);
    v = Atomics.load(i32, index);
  }
  return v;
}

/** The caller's side: posts call number `seq` (1, 2, ...) to the slot's thread. */
export function post(s, seq, fn, args) {
  if (args.length > MAX_ARGS)
    throw new RangeError(`lens: ${args.length} arguments (max ${MAX_ARGS})`);
  s.i32[FN] = fn;
  s.i32[ARGC] = args.length;
  s.args.set(args);
  Atomics.store(s.i32, SEQ, seq);
  Atomics.notify(s.i32, SEQ);
}

/** The caller's side: blocks until call `seq` is done; the thread's error message, or null. */
export function join(s, seq) {
  waitFor(s.i32, DONE, seq, null);
  if (Atomics.load(s.i32, STATUS) === 0) return null;
  const end = s.msg.indexOf(0);
  return new TextDecoder().decode(s.msg.slice(0, end < 0 ? MSG_BYTES : end));
}

/** The caller's side: ends the thread's loop (it returns from `serve`). */
export function quit(s) {
  Atomics.store(s.i32, SEQ, QUIT);
  Atomics.notify(s.i32, SEQ);
}

/** The thread's side: runs the slot's calls with `fns[index]` until told to quit. */
export function serve(s, fns) {
  let last = 0;
  for (;;) {
    const seq = waitFor(s.i32, SEQ, null, last);
    if (seq === QUIT) return;
    let status = 0;
    try {
      fns[s.i32[FN]](...s.args.subarray(0, s.i32[ARGC]));
    } catch (e) {
      status = 1;
      const bytes = new TextEncoder().encode(String(e?.message ?? e)).slice(0, MSG_BYTES - 1);
      s.msg.fill(0);
      s.msg.set(bytes);
    }
    last = seq;
    Atomics.store(s.i32, STATUS, status);
    Atomics.store(s.i32, DONE, seq);
    Atomics.notify(s.i32, DONE);
  }
}
