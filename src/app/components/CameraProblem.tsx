import { useTranslation } from 'react-i18next';
import { browserFamily } from '../camera-problem';
import { useLens } from '../store';

/** Switches to photos and opens the file picker: the one-click way on when the camera is not. */
export function switchToPhotos(): void {
  useLens.getState().setSource('photos');
  document.querySelector<HTMLInputElement>('[data-testid=image-input]')?.click();
}

/**
 * Why the camera did not start and what to do: how to allow it in this browser, or to connect one,
 * and photos in one click. Shown in the camera panel and, large, on the stage.
 */
export function CameraProblem({ onStage = false }: { onStage?: boolean }) {
  const problem = useLens((s) => s.live.problem);
  const error = useLens((s) => s.live.error);
  const { t } = useTranslation();
  if (!problem) return null;
  const how =
    problem === 'denied'
      ? t(`live.allow.${browserFamily(navigator.userAgent)}`)
      : problem === 'absent'
        ? t('live.absentHow')
        : problem === 'busy'
          ? t('live.busyHow')
          : null;
  return (
    <div
      className={onStage ? 'camera-problem on-stage' : 'camera-problem'}
      role="alert"
      data-testid={onStage ? 'stage-camera-problem' : 'camera-problem'}
      data-problem={problem}
    >
      <p className="error">
        <strong>
          {problem === 'other'
            ? t('live.unavailable', { message: error?.replace(/^Camera unavailable: /, '') ?? '' })
            : t(`live.problem.${problem}`)}
        </strong>
        {how && <> {how}</>}
      </p>
      <button
        type="button"
        className="primary"
        data-testid={onStage ? 'stage-use-photos' : 'camera-use-photos'}
        onClick={() => {
          if (onStage) useLens.getState().setStage(false);
          switchToPhotos();
        }}
      >
        {t('live.usePhotos')}
      </button>
    </div>
  );
}
