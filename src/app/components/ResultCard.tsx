import { memo, useEffect, useRef } from 'react';
import type { ClassifyPayload } from '../../worker/protocol';
import type { ResultItem } from '../store';
import { backendText, ms } from './format';

function CropCanvas({ payload }: { payload: ClassifyPayload }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const rgba = new Uint8ClampedArray(payload.cropRgba);
    ctx.putImageData(new ImageData(rgba, payload.cropSize, payload.cropSize), 0, 0);
  }, [payload]);
  return (
    <canvas
      ref={canvas}
      width={payload.cropSize}
      height={payload.cropSize}
      className="crop"
      data-testid="crop"
      title={`What the network saw (${payload.preset}), de-normalised. crop sha256 ${payload.cropSha256}`}
    />
  );
}

function Top5({ payload }: { payload: ClassifyPayload }) {
  return (
    <ol className="top5">
      {payload.top5.map((p) => (
        <li
          key={p.index}
          data-testid="top5-row"
          data-class-index={p.index}
          data-label={p.label}
          data-probability={String(p.probability)}
        >
          <div className="bar" style={{ width: `${(p.probability * 100).toFixed(2)}%` }} />
          <span className="pct">{(p.probability * 100).toFixed(2)}%</span>
          <span className="label">
            {p.label} <small>#{p.index}</small>
          </span>
        </li>
      ))}
    </ol>
  );
}

export const ResultCard = memo(function ResultCard({ item }: { item: ResultItem }) {
  const { state } = item;
  const payload = state.kind === 'done' ? state.payload : null;
  return (
    <li
      className={`result ${state.kind}`}
      data-testid="result"
      data-status={state.kind}
      data-file={item.fileName}
      {...(state.kind === 'error' ? { 'data-error': state.error.message } : {})}
      {...(payload
        ? { 'data-crop-sha256': payload.cropSha256, 'data-backend': payload.backend }
        : {})}
    >
      <figure className="photo">
        <img
          src={item.photoUrl}
          alt=""
          loading="lazy"
          onError={(e) => {
            e.currentTarget.hidden = true;
          }}
        />
        <figcaption>{item.fileName}</figcaption>
      </figure>
      {payload && <CropCanvas payload={payload} />}
      <div className="details">
        {state.kind === 'pending' && <p className="muted">Classifying…</p>}
        {state.kind === 'error' && (
          <p className="error" role="alert">
            {state.error.message}
          </p>
        )}
        {payload && (
          <>
            {item.untrained && <p className="untrained-tag">untrained: for pipeline checks only</p>}
            <Top5 payload={payload} />
            <p className="meta" data-testid="timings">
              decode {ms(payload.timings.decodeMs)} ms · preprocess{' '}
              {ms(payload.timings.preprocessMs)} ms · inference {ms(payload.timings.inferenceMs)} ms
              · total {ms(payload.timings.totalMs)} ms
            </p>
            <p className="meta">
              {backendText(payload.backend, payload.threads)} · {payload.modelName} ·{' '}
              {payload.width}x{payload.height} → {payload.resized.width}x{payload.resized.height} →{' '}
              {payload.cropSize}² ({payload.preset})
            </p>
            {payload.orientationNote && <p className="meta warn">{payload.orientationNote}</p>}
          </>
        )}
      </div>
    </li>
  );
});
