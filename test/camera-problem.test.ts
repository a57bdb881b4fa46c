import { describe, expect, it } from 'vitest';
import { browserFamily, cameraProblemOf } from '../src/app/camera-problem';

const domError = (name: string, message = 'x') => new DOMException(message, name);

describe('cameraProblemOf', () => {
  it("sorts getUserMedia's errors by what the user can do about them", () => {
    expect(cameraProblemOf(domError('NotAllowedError', 'Permission denied'))).toBe('denied');
    expect(cameraProblemOf(domError('NotFoundError', 'Requested device not found'))).toBe('absent');
    expect(cameraProblemOf(domError('OverconstrainedError'))).toBe('absent');
    expect(cameraProblemOf(domError('NotReadableError', 'Device in use'))).toBe('busy');
    expect(cameraProblemOf(new TypeError('bad constraints'))).toBe('other');
    expect(cameraProblemOf('a string')).toBe('other');
  });
});

describe('browserFamily', () => {
  it('names the settings to describe from real user agent strings', () => {
    expect(
      browserFamily(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      ),
    ).toBe('chromium');
    expect(
      browserFamily('Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0'),
    ).toBe('firefox');
    expect(
      browserFamily(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('safari');
    expect(browserFamily('curl/8')).toBe('other');
  });
});
