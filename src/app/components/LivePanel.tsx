import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { listCameras, snapshot, startCamera, stopCamera } from '../live';
import { useLens } from '../store';
import { Top5Bars } from './Top5Bars';

/** Webcam mode: the live feed, classified continuously in the worker. */
export function LivePanel({ videoRef }: { videoRef: React.RefObject<HTMLVideoElement | null> }) {
  const live = useLens(useShallow((s) => s.live));
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void listCameras().catch(() => undefined);
  }, []);
  return (
    <section className="live" data-testid="live" data-live={live.on ? 'on' : 'off'}>
      <div className="live-controls">
        {!live.on ? (
          <button
            type="button"
            data-testid="camera-start"
            onClick={() => videoRef.current && void startCamera(videoRef.current, live.deviceId)}
          >
            Start camera
          </button>
        ) : (
          <>
            <button type="button" data-testid="camera-stop" onClick={stopCamera}>
              Stop camera
            </button>
            <button
              type="button"
              data-testid="camera-pause"
              onClick={() => useLens.getState().setLive({ paused: !live.paused })}
            >
              {live.paused ? 'Resume' : 'Pause'}
            </button>
            <button type="button" data-testid="camera-snapshot" onClick={() => void snapshot()}>
              Snapshot
            </button>
          </>
        )}
        {live.devices.length > 1 && (
          <select
            aria-label="Camera"
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
          mirror
        </label>
        <label>
          smoothing{' '}
          <input
            type="range"
            min="0"
            max="0.95"
            step="0.05"
            value={live.smoothing}
            aria-label="smoothing"
            onChange={(e) =>
              useLens.getState().setLive({ smoothing: Number(e.currentTarget.value) })
            }
          />
        </label>
        <button
          type="button"
          data-testid="stage-toggle"
          onClick={() => useLens.getState().setStage(!useLens.getState().stage)}
        >
          Stage view (S)
        </button>
      </div>
      {live.error && (
        <p className="error" role="alert">
          {live.error}
        </p>
      )}
      <div className="live-body" hidden={!live.on}>
        <video
          ref={videoRef}
          muted
          playsInline
          className={live.mirror ? 'mirror' : ''}
          data-testid="camera-video"
        />
        <div>
          <Top5Bars predictions={live.top5} />
          <p
            className="meta"
            data-testid="live-stats"
            data-fps={live.fps.toFixed(2)}
            data-latency={live.latencyMs?.toFixed(1) ?? ''}
          >
            {live.fps.toFixed(1)} frames/s classified
            {live.latencyMs !== null && ` · latency ${live.latencyMs.toFixed(0)} ms`}
            {live.paused && ' · paused'}
          </p>
        </div>
      </div>
    </section>
  );
}
