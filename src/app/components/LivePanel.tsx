import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { listCameras, snapshot, startCamera, stopCamera } from '../live';
import { formatRate } from '../live-rate';
import { useLens } from '../store';
import { CameraProblem } from './CameraProblem';
import { Top5Bars } from './Top5Bars';

/**
 * The camera as a source: the feed with its top-5 bars beside it, classified in the worker one
 * new frame at a time. While the camera is off, neither the feed nor old results show.
 */
export function LivePanel({ videoRef }: { videoRef: React.RefObject<HTMLVideoElement | null> }) {
  const live = useLens(useShallow((s) => s.live));
  const { t } = useTranslation();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void listCameras().catch(() => undefined);
  }, []);
  const secure = window.isSecureContext && navigator.mediaDevices !== undefined;
  const loading = useLens((s) => s.status.kind === 'loading');
  return (
    <section className="live" data-testid="live" data-live={live.on ? 'on' : 'off'}>
      <div className="live-controls">
        {!live.on ? (
          <button
            type="button"
            className="primary"
            data-testid="camera-start"
            disabled={!secure}
            onClick={() => videoRef.current && void startCamera(videoRef.current, live.deviceId)}
          >
            {t('live.start')}
          </button>
        ) : (
          <>
            <button type="button" data-testid="camera-stop" onClick={stopCamera}>
              {t('live.stop')}
            </button>
            <button
              type="button"
              data-testid="camera-pause"
              onClick={() => useLens.getState().setLive({ paused: !live.paused })}
            >
              {live.paused ? t('live.resume') : t('live.pause')}
            </button>
            <button type="button" data-testid="camera-snapshot" onClick={() => void snapshot()}>
              {t('live.snapshot')}
            </button>
          </>
        )}
        {live.devices.length > 1 && (
          <select
            aria-label={t('live.camera')}
            value={live.deviceId ?? ''}
            onChange={(e) => {
              const id = e.currentTarget.value || null;
              useLens.getState().setLive({ deviceId: id });
              if (live.on && videoRef.current) void startCamera(videoRef.current, id);
            }}
          >
            {live.devices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
        )}
        <label>
          <input
            type="checkbox"
            checked={live.mirror}
            onChange={(e) => useLens.getState().setLive({ mirror: e.currentTarget.checked })}
          />{' '}
          {t('live.mirror')}
        </label>
        <label>
          {t('live.smoothing')}{' '}
          <input
            type="range"
            min="0"
            max="0.95"
            step="0.05"
            value={live.smoothing}
            aria-label={t('live.smoothing')}
            onChange={(e) =>
              useLens.getState().setLive({ smoothing: Number(e.currentTarget.value) })
            }
          />
        </label>
      </div>
      {!secure && (
        <p className="error" role="alert" data-testid="camera-insecure">
          {t('live.insecure')}
        </p>
      )}
      {live.problem ? (
        <CameraProblem />
      ) : (
        live.error &&
        live.error !== 'insecure-context' && (
          <p className="error" role="alert">
            {live.error}
          </p>
        )
      )}
      {!live.on && secure && !live.problem && <p className="muted">{t('live.off')}</p>}
      <div className={live.on ? 'live-body' : 'live-body off'}>
        <video
          ref={videoRef}
          muted
          playsInline
          hidden={!live.on}
          className={live.mirror ? 'mirror' : ''}
          data-testid="camera-video"
        />
        {live.on && (
          <div className="live-side">
            <StaleNote />
            <div
              className={loading ? 'bars stale' : 'bars'}
              data-stale={loading ? 'true' : 'false'}
            >
              <Top5Bars predictions={live.top5} />
            </div>
            <p
              className="meta"
              data-testid="live-stats"
              data-fps={live.fps.toFixed(2)}
              data-camera-fps={live.cameraFps.toFixed(2)}
              data-frames={live.framesClassified}
              data-max-in-flight={live.maxFramesInFlight}
              data-latency={live.latencyMs?.toFixed(1) ?? ''}
            >
              {t('live.stats', { camera: formatRate(live.cameraFps), fps: formatRate(live.fps) })}
              {live.latencyMs !== null && t('live.latency', { ms: live.latencyMs.toFixed(0) })}
              {live.paused && t('live.paused')}
            </p>
          </div>
        )}
      </div>
    </section>
  );
}

/** While the next model loads, the bars on screen are the previous model's: say whose. */
function StaleNote() {
  const loading = useLens((s) => s.status.kind === 'loading');
  const from = useLens((s) => s.live.top5Model);
  const { t } = useTranslation();
  if (!loading || !from) return null;
  return (
    <p className="meta warn" data-testid="live-stale-note">
      {t('live.staleBars', { name: from })}
    </p>
  );
}
