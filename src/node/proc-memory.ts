/**
 * Memory of the chromium processes this test process launched, read from Linux's /proc: other
 * browsers on the machine (parallel runs) are not descendants and are not counted. A page and its
 * dedicated workers live in one renderer process, so its peak RSS (VmHWM) is what a big image
 * costs there.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export interface ProcMemory {
  pid: number;
  type: string;
  rssBytes: number;
  peakBytes: number;
}

function status(pid: number): Record<string, string> | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Object.fromEntries(
      text.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    );
  } catch {
    return null;
  }
}

const kb = (v: string | undefined) => Number.parseInt(v ?? '0', 10) * 1024;

/** Every live descendant of `root` (default: this process) whose command line has a --type. */
export function chromiumProcesses(root = process.pid): ProcMemory[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = status(pid);
    if (s) parent.set(pid, Number(s['PPid']));
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 64; p = parent.get(p), hops++)
      if (p === root) return true;
    return false;
  };
  const out: ProcMemory[] = [];
  for (const pid of parent.keys()) {
    if (!isDescendant(pid)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('chrom')) continue;
    const type = /--type=([\w-]+)/.exec(cmdline)?.[1] ?? 'browser';
    const s = status(pid);
    if (s) out.push({ pid, type, rssBytes: kb(s['VmRSS']), peakBytes: kb(s['VmHWM']) });
  }
  return out;
}

/** Resets the peak RSS of these processes to their current RSS (Linux, own processes). */
export function resetPeaks(procs: readonly ProcMemory[]): boolean {
  let ok = true;
  for (const p of procs) {
    try {
      writeFileSync(`/proc/${p.pid}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}
