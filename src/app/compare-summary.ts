/**
 * How two models' top-5 for one image compare: top-1 agreement, how many classes the two top-5
 * share, and the largest probability difference on those shared classes (null when none are
 * shared: a difference over no classes is not 0).
 */
export interface Ranked {
  index: number;
  probability: number;
}

export function compareTop5(
  main: readonly Ranked[],
  other: readonly Ranked[],
): { sameTop1: boolean; shared: number; maxDiff: number | null } {
  const byIndex = new Map(main.map((p) => [p.index, p.probability]));
  let shared = 0;
  let maxDiff: number | null = null;
  for (const p of other) {
    const mine = byIndex.get(p.index);
    if (mine === undefined) continue;
    shared++;
    maxDiff = Math.max(maxDiff ?? 0, Math.abs(mine - p.probability));
  }
  return { sameTop1: main[0]?.index === other[0]?.index, shared, maxDiff };
}
