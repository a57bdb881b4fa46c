/**
 * A touch screen without a keyboard in sight: keyboard hints ("(S)", "paste (Ctrl+V)") are noise
 * there. Read once: a phone does not grow a mouse mid-session, and a laptop with a touch screen
 * still reports a fine pointer.
 */
export const TOUCH_ONLY =
  typeof matchMedia === 'function' && matchMedia('(hover: none) and (pointer: coarse)').matches;
