/**
 * Why the camera did not start, as data the page words in its language: the browser's own
 * message ("Permission denied", "Requested device not found") says what failed but not what to do.
 */
export type CameraProblem =
  /** The user or the browser's settings refused the camera. */
  | 'denied'
  /** No camera is connected (or none matches the one asked for). */
  | 'absent'
  /** A camera exists but another program holds it, or it failed to start. */
  | 'busy'
  /** Anything else: the browser's message is shown as it is. */
  | 'other';

/** getUserMedia's DOMException names, as the Media Capture spec defines them. */
export function cameraProblemOf(error: unknown): CameraProblem {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // older Chrome
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError': // older Chrome
    case 'OverconstrainedError':
      return 'absent';
    case 'NotReadableError':
    case 'TrackStartError': // older Chrome
    case 'AbortError':
      return 'busy';
    default:
      return 'other';
  }
}

/** Which browser's settings to describe, from its user agent string. */
export type BrowserFamily = 'chromium' | 'firefox' | 'safari' | 'other';

export function browserFamily(userAgent: string): BrowserFamily {
  if (/Firefox\//.test(userAgent)) return 'firefox';
  if (/(Chrome|Chromium|CriOS|Edg)\//.test(userAgent)) return 'chromium';
  if (/Safari\//.test(userAgent)) return 'safari';
  return 'other';
}
