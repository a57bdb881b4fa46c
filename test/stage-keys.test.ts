import { describe, expect, it } from 'vitest';
import { stageKeyAction, type StageKeyEvent } from '../src/app/stage-keys';

const key = (k: string, more: Partial<StageKeyEvent> = {}): StageKeyEvent => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  targetTag: 'BODY',
  chosenSelect: false,
  ...more,
});

describe('stageKeyAction', () => {
  it('S toggles from the page, Escape leaves only an open stage', () => {
    expect(stageKeyAction(key('s'), false)).toBe('toggle');
    expect(stageKeyAction(key('S'), true)).toBe('toggle');
    expect(stageKeyAction(key('Escape'), true)).toBe('leave');
    expect(stageKeyAction(key('Escape'), false)).toBe(null);
    expect(stageKeyAction(key('x'), false)).toBe(null);
  });

  it('S is a letter in text fields and with modifiers (Ctrl+S saves)', () => {
    expect(stageKeyAction(key('s', { targetTag: 'INPUT' }), false)).toBe(null);
    expect(stageKeyAction(key('s', { targetTag: 'TEXTAREA' }), false)).toBe(null);
    expect(stageKeyAction(key('s', { ctrlKey: true }), false)).toBe(null);
    expect(stageKeyAction(key('s', { metaKey: true }), false)).toBe(null);
  });

  it('S after a choice in a select is the stage key; before a choice it searches the options', () => {
    expect(stageKeyAction(key('s', { targetTag: 'SELECT' }), false)).toBe(null);
    expect(stageKeyAction(key('s', { targetTag: 'SELECT', chosenSelect: true }), false)).toBe(
      'toggle',
    );
    // Escape from a select (the stage's own model picker) leaves the stage.
    expect(stageKeyAction(key('Escape', { targetTag: 'SELECT' }), true)).toBe('leave');
  });
});
