/**
 * No module imports itself through others (type-only imports aside: they vanish at build time),
 * and the CLI never imports the page. A cycle makes initialisation order matter and layers blur.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures';

const SRC = resolve(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Value imports (and re-exports) of a file, resolved to files. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^'?]+)'/gm)) {
    if (m[1]) continue;
    const base = resolve(dirname(file), m[2]!);
    const hit = ['.ts', '.tsx', '/index.ts', ''].map((e) => base + e).find((p) => existsSync(p));
    if (hit && /\.(ts|tsx)$/.test(hit)) out.push(hit);
  }
  return out;
}

const graph = new Map(sources(SRC).map((f) => [f, imports(f)]));

describe('module graph', () => {
  it('has the files it should (the scan is not empty)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get(join(SRC, 'cli/classify.ts'))?.length).toBeGreaterThan(2);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const g of graph.get(f) ?? []) {
        if (state.get(g) === 'open')
          cycles.push(
            [...stack.slice(stack.indexOf(g)), g].map((p) => relative(SRC, p)).join(' -> '),
          );
        else if (!state.has(g)) visit(g);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('keeps the CLI and Node adapters away from the page and the worker', () => {
    const bad = [...graph]
      .filter(([f]) => /\/src\/(cli|node)\//.test(f))
      .flatMap(([f, deps]) =>
        deps
          .filter((d) => /\/src\/(app|worker)\//.test(d))
          .map((d) => `${relative(SRC, f)} -> ${relative(SRC, d)}`),
      );
    expect(bad).toEqual([]);
  });
});
