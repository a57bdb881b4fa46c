import { Fragment, memo, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CMYK_BROWSER_NOTE } from '../../core/image/decode-check';
import { errorText } from '../../i18n/message';
import { ErrorText } from './ErrorText';
import { useSay } from '../i18n/message';
import { heatmapRgba, upsampleBilinear } from '../../core/inference/cam';
import { PRESETS, type PresetId } from '../../core/preprocess/preprocess';
import type { ClassifyPayload } from '../../engine/types';
import { compareTop5 } from '../compare-summary';
import { choiceName, comparePresets, loadAndComparePresets } from '../controller';
import { useLens, type ItemState, type ModelChoice, type ResultItem } from '../store';
import { leadOf } from '../lead';
import { pendingKind } from '../load-stages';
import { verifyItem } from '../verification';
import { backendText, ms } from './format';
import { Top5Bars } from './Top5Bars';

function CropCanvas({ payload, cam }: { payload: ClassifyPayload; cam: number | null }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const { t } = useTranslation();
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(
      new ImageData(new Uint8ClampedArray(payload.cropRgba), payload.cropSize, payload.cropSize),
      0,
      0,
    );
  }, [payload]);
  const map = cam === null ? undefined : payload.cams?.maps.find((m) => m.index === cam);
  useEffect(() => {
    const ctx = overlay.current?.getContext('2d');
    if (!ctx || !map || !payload.cams) return;
    const size = payload.cropSize;
    const up = upsampleBilinear(map.values, payload.cams.height, payload.cams.width, size);
    ctx.putImageData(new ImageData(heatmapRgba(up), size, size), 0, 0);
  }, [map, payload]);
  return (
    <div className="crop-wrap">
      <canvas
        ref={canvas}
        width={payload.cropSize}
        height={payload.cropSize}
        className="crop"
        data-testid="crop"
        title={`What the network saw (${payload.preset}), de-normalised. crop sha256 ${payload.cropSha256}`}
      />
      {map && (
        <canvas
          ref={overlay}
          width={payload.cropSize}
          height={payload.cropSize}
          className="cam"
          data-testid="cam-overlay"
          data-class-index={map.index}
        />
      )}
      <p className="crop-caption" data-testid="crop-caption">
        {t('results.cropCaption', { size: payload.cropSize })}
      </p>
    </div>
  );
}

function PresetOffer({ item, choice }: { item: ResultItem; choice: ModelChoice }) {
  const { t } = useTranslation();
  const active = useLens((s) => s.activeInfo?.name);
  return (
    <p className="meta warn" data-testid="presets-offer">
      {t('results.presetsOffer', { model: item.modelName })}{' '}
      <button
        type="button"
        data-testid="load-and-compare-presets"
        onClick={() => void loadAndComparePresets(item.id)}
      >
        {t('results.loadAndCompare', { model: choiceName(choice) })}
      </button>{' '}
      {active !== undefined && (
        <button
          type="button"
          data-testid="compare-presets-active"
          onClick={() => void comparePresets(item.id, true)}
        >
          {t('results.presetsWithActive', { model: active })}
        </button>
      )}
    </p>
  );
}

/** The three presets side by side; each row names the model that produced it. */
function PresetComparison({ item }: { item: ResultItem }) {
  const { t } = useTranslation();
  if (item.presetsOffer) return <PresetOffer item={item} choice={item.presetsOffer} />;
  if (!item.presets) return null;
  const models = new Set(
    Object.values(item.presets).flatMap((s) => (s.kind === 'done' ? [s.payload.modelName] : [])),
  );
  return (
    <>
      {item.presetsNote && (
        <p className="meta warn" data-testid="presets-note">
          {t('results.answeredBy', {
            other: item.presetsNote.other,
            card: item.presetsNote.card,
            why: t(`results.answeredWhy.${item.presetsNote.why}`, {
              card: item.presetsNote.card,
              error: item.presetsNote.error ? ` (${item.presetsNote.error})` : '',
            }),
          })}
        </p>
      )}
      <table className="presets" data-testid="preset-comparison">
        {models.size > 0 && (
          <caption data-testid="presets-model">
            {t('results.presetsBy', { model: [...models].join(', ') })}
          </caption>
        )}
        <tbody>
          {(Object.keys(PRESETS) as PresetId[]).map((id) => {
            const s = item.presets?.[id];
            return (
              <tr
                key={id}
                data-preset={id}
                data-status={s?.kind ?? 'pending'}
                {...(s?.kind === 'done'
                  ? {
                      'data-model': s.payload.modelName,
                      'data-top5-indices': s.payload.top5.map((p) => p.index).join(','),
                      'data-top5-probabilities': s.payload.top5.map((p) => p.probability).join(','),
                    }
                  : {})}
              >
                <th>{id}</th>
                <td>
                  {s?.kind === 'done'
                    ? s.payload.top5.map((p, i) => (
                        // Each label isolated (<bdi>): its bidi controls stay inside it.
                        <Fragment key={p.index}>
                          {i > 0 ? ' · ' : ''}
                          <bdi>{p.label.split(',')[0]}</bdi> {(p.probability * 100).toFixed(1)}%
                        </Fragment>
                      ))
                    : s?.kind === 'error'
                      ? errorText(t, s.error)
                      : '…'}
                </td>
                <td className="muted">{s?.kind === 'done' ? s.payload.modelName : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function CompareResult({ main, other }: { main: ClassifyPayload; other: ItemState }) {
  const { t } = useTranslation();
  if (other.kind !== 'done')
    return (
      <p className="muted">
        {other.kind === 'error' ? errorText(t, other.error) : t('results.compareWaiting')}
      </p>
    );
  const b = other.payload;
  const { sameTop1, shared: overlap, maxDiff } = compareTop5(main.top5, b.top5);
  const mine = new Set(main.top5.map((p) => p.index));
  return (
    <div
      className="compare"
      data-testid="compare-result"
      data-top1-agree={sameTop1 ? 'yes' : 'no'}
      data-top5-overlap={overlap / 5}
      data-decoded={b.decoded ? 'yes' : 'no'}
    >
      <p className="meta">
        {maxDiff === null
          ? t('results.compareNoShared', {
              model: b.modelName,
              top1: t(sameTop1 ? 'results.agrees' : 'results.differs'),
            })
          : t('results.compareLine', {
              model: b.modelName,
              top1: t(sameTop1 ? 'results.agrees' : 'results.differs'),
              overlap,
              diff: maxDiff.toExponential(2),
            })}
        {!b.decoded && ` ${t('results.compareSharedCrop')}`}
      </p>
      <Top5Bars predictions={b.top5} highlight={mine} />
    </div>
  );
}

/** The answer in words before the bars (or, for an untrained model, that there is none). */
function LeadSentence({ payload, untrained }: { payload: ClassifyPayload; untrained: boolean }) {
  const { t } = useTranslation();
  const lead = leadOf(payload.top5, untrained);
  if (lead.kind === 'none') return null;
  return (
    <p className={`lead ${lead.kind}`} data-testid="lead" data-lead={lead.kind}>
      {t(`results.lead.${lead.kind}`, { label: lead.label, percent: lead.percent })}
    </p>
  );
}

/** A photo queued during a model load waits for that model; otherwise it is being classified. */
function Pending({ item }: { item: ResultItem }) {
  const loading = useLens((s) => s.status.kind === 'loading');
  const { t } = useTranslation();
  const kind = pendingKind(item.queuedDuringLoad === true, loading);
  return (
    <p className="muted" data-testid="pending" data-waiting={kind}>
      {kind === 'model' && <span className="spinner" aria-hidden="true" />}{' '}
      {t(kind === 'model' ? 'results.waitingForModel' : 'results.classifying')}
    </p>
  );
}

export const ResultCard = memo(function ResultCard({ item }: { item: ResultItem }) {
  const { state } = item;
  const payload = state.kind === 'done' ? state.payload : null;
  const [cam, setCam] = useState<number | null>(null);
  const verification = useLens((s) => s.verification);
  const tolerance = useLens((s) => s.tolerance);
  const verdict = verification ? verifyItem(item, verification.entries, tolerance) : null;
  const { t } = useTranslation();
  const say = useSay();
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
        {item.photoUrl ? (
          <img src={item.photoUrl} alt="" loading="lazy" />
        ) : (
          <div className="photo-placeholder" />
        )}
        <figcaption title={item.fileName}>{item.fileName}</figcaption>
      </figure>
      {payload && <CropCanvas payload={payload} cam={cam} />}
      <div className="details">
        {state.kind === 'pending' && <Pending item={item} />}
        {state.kind === 'error' && (
          <div className="error" role="alert">
            <ErrorText error={state.error} />
          </div>
        )}
        {payload && (
          <>
            <LeadSentence payload={payload} untrained={item.untrained} />
            {item.untrained && <p className="untrained-tag">{t('untrained.tag')}</p>}
            {verdict && (
              <p
                className={verdict.pass ? 'verdict pass' : 'verdict fail'}
                data-testid="verify"
                data-verdict={verdict.pass ? 'pass' : 'fail'}
                data-max-diff={verdict.maxAbsDiff}
                {...(verdict.cause ? { 'data-cause': verdict.cause } : {})}
              >
                {t('results.verdict', {
                  verdict: t(verdict.pass ? 'results.pass' : 'results.fail'),
                  top5: t(verdict.top5Agree ? 'results.identical' : 'results.differs'),
                  diff: verdict.maxAbsDiff.toExponential(2),
                })}
                {verdict.cause === 'exif' && ` ${t('results.verdictExif')}`}
              </p>
            )}
            <Top5Bars
              predictions={payload.top5}
              {...(item.compare?.kind === 'done'
                ? { highlight: new Set(item.compare.payload.top5.map((p) => p.index)) }
                : {})}
            />
            {/* Engine details are for engineers: one click away, with the same hooks. */}
            <details className="card-details" data-testid="result-details">
              <summary className="meta">{t('results.details')}</summary>
              <p className="meta" data-testid="timings">
                {t('results.timings', {
                  decode: ms(payload.timings.decodeMs),
                  preprocess: ms(payload.timings.preprocessMs),
                  inference: ms(payload.timings.inferenceMs),
                  total: ms(payload.timings.totalMs),
                })}
              </p>
              <p className="meta">
                {backendText(payload.backend, payload.threads)} · {payload.modelName} ·{' '}
                {payload.width}x{payload.height} → {payload.resized.width}x{payload.resized.height}{' '}
                → {payload.cropSize}² ({payload.preset}) ·{' '}
                <span data-testid="result-fast-path">
                  {say(payload.messages?.fastPath, payload.fastPath)}
                </span>
              </p>
            </details>
            {payload.orientationNote && (
              <p className="meta warn">
                {say(payload.messages?.orientation, payload.orientationNote)}
              </p>
            )}
            {payload.scoreNote && (
              <p className="meta warn" data-testid="score-note">
                {say(payload.messages?.score, payload.scoreNote)}
              </p>
            )}
            {payload.decodeNote && (
              <p className="meta warn" data-testid="decode-note">
                {payload.decodeNote === CMYK_BROWSER_NOTE ? t('results.cmyk') : payload.decodeNote}
              </p>
            )}
            <div className="actions">
              <button
                type="button"
                data-testid="compare-presets"
                onClick={() => void comparePresets(item.id)}
              >
                {t('results.comparePresets')}
              </button>
              {payload.cams ? (
                <label>
                  {t('results.cam')}{' '}
                  <select
                    data-testid="cam-select"
                    value={cam ?? ''}
                    onChange={(e) =>
                      setCam(e.currentTarget.value === '' ? null : Number(e.currentTarget.value))
                    }
                  >
                    <option value="">{t('results.camOff')}</option>
                    {payload.top5.map((p) => (
                      <option key={p.index} value={p.index}>
                        {p.label.split(',')[0]}
                      </option>
                    ))}
                  </select>
                </label>
              ) : (
                <span className="muted" data-testid="cam-unavailable">
                  {t('results.camUnavailable')}
                </span>
              )}
            </div>
            <PresetComparison item={item} />
            {item.compare && <CompareResult main={payload} other={item.compare} />}
          </>
        )}
      </div>
    </li>
  );
});
