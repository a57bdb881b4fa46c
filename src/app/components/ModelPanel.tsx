import { Nums } from './Nums';
import { describeFastPath, fastPathNote } from '../../core/fast';
import { useTranslation } from 'react-i18next';
import { useSay } from '../i18n/message';
import { useLens } from '../store';

const millions = (n: number) => `${(n / 1e6).toFixed(3)} M`;
const shape = (s: (number | string)[] | null) => (s ? `[${s.join(', ')}]` : '(no shape)');

/** Everything a sanity check needs about the loaded model, with published figures beside ours. */
export function ModelPanel() {
  const info = useLens((s) => s.activeInfo);
  const untrained = useLens((s) => s.activeUntrained);
  const { t } = useTranslation();
  const say = useSay();
  const d = info?.details;
  if (!info) return null;
  if (!d) {
    return (
      <details className="panel" data-testid="model-panel">
        <summary>{t('panels.notAnalysed')}</summary>
      </details>
    );
  }
  const published = d.published;
  return (
    <details
      className="panel"
      data-testid="model-panel"
      data-params={d.params}
      data-checkpoint-params={d.repopt?.checkpointParams ?? ''}
      data-gmacs={d.gmacs ?? ''}
      data-sha256={d.sha256 ?? ''}
    >
      <summary>
        {t('panels.modelSummary', {
          name: info.name,
          params: (
            d.repopt?.checkpointParams ??
            d.ghostnet?.checkpointParams ??
            d.params
          ).toLocaleString('en-US'),
        })}
        {d.gmacs !== null && t('panels.gmacsSuffix', { gmacs: d.gmacs.toFixed(3) })}
        {d.repopt &&
          t('panels.layoutSuffix', {
            arch: `RepOpt-VGG${d.repopt.name ? `-${d.repopt.name}` : ''}`,
          })}
        {d.ghostnet && t('panels.layoutSuffix', { arch: d.ghostnet.architecture })}
      </summary>
      <table className="kv">
        <tbody>
          <tr>
            <th>{t('panels.file')}</th>
            <td>
              {(d.bytes / 1e6).toFixed(2)} MB, sha256{' '}
              <code>{d.sha256 ?? t('panels.computing')}</code>
            </td>
          </tr>
          <tr>
            <th>{t('panels.format')}</th>
            <td>
              {t('panels.formatValue', {
                ir: d.irVersion,
                opset: d.opset ?? '?',
                producer: d.producer,
              })}
            </td>
          </tr>
          {d.inputs.map((v) => (
            <tr key={`in-${v.name}`}>
              <th>{t('panels.input')}</th>
              <td>
                <code>{v.name}</code> {v.elemType} {shape(v.shape)}
              </td>
            </tr>
          ))}
          {d.outputs.map((v) => (
            <tr key={`out-${v.name}`}>
              <th>{t('panels.output')}</th>
              <td>
                <code>{v.name}</code> {v.elemType} {shape(v.shape)}
              </td>
            </tr>
          ))}
          <tr>
            <th>{t('panels.parameters')}</th>
            <td data-testid="model-params">
              {d.repopt && (
                <Nums
                  text={t('panels.paramsTorch', {
                    n: d.repopt.checkpointParams.toLocaleString('en-US'),
                  })}
                />
              )}
              {d.ghostnet?.checkpointParams != null && (
                <Nums
                  text={t('panels.paramsGhost', {
                    n: d.ghostnet.checkpointParams.toLocaleString('en-US'),
                    mode: d.ghostnet.mode,
                  })}
                />
              )}
              <Nums
                text={t('panels.paramsFile', {
                  n: d.params.toLocaleString('en-US'),
                  types: Object.entries(d.paramsByType)
                    .map(([type, n]) => `${type}: ${n.toLocaleString('en-US')}`)
                    .join(', '),
                })}
              />
            </td>
          </tr>
          <tr>
            <th>{t('panels.gmacs')}</th>
            <td>
              <Nums
                text={
                  d.gmacs === null
                    ? t('panels.gmacsUnknown')
                    : t('panels.gmacsValue', { gmacs: d.gmacs.toFixed(4) })
                }
              />
            </td>
          </tr>
          <tr>
            <th>{t('panels.operators')}</th>
            <td>
              {Object.entries(d.opCounts)
                .map(([op, n]) => `${op} ${n}`)
                .join(', ')}
            </td>
          </tr>
          {d.repopt && (
            <tr>
              <th>{t('panels.architecture')}</th>
              <td data-testid="model-arch">
                {t('panels.archValue', {
                  name: `RepOpt-VGG${d.repopt.name ? `-${d.repopt.name}` : ' (custom)'}`,
                  blocks: d.repopt.blocks.join(', '),
                  widths: d.repopt.widths.join(', '),
                  classes: d.repopt.numClasses,
                  se: d.repopt.se ? t('panels.seBlocks') : '',
                })}
              </td>
            </tr>
          )}
          {d.ghostnet && (
            <tr>
              <th>{t('panels.architecture')}</th>
              <td data-testid="model-arch" data-family="ghostnet">
                {t('panels.ghostArchValue', {
                  name: d.ghostnet.architecture,
                  mode: d.ghostnet.mode,
                  bottlenecks: d.ghostnet.bottlenecks,
                  stages: d.ghostnet.stages.join(', '),
                  width:
                    d.ghostnet.width === null ? t('panels.widthCustom') : `${d.ghostnet.width}x`,
                  kernels: d.ghostnet.kernels.map((k) => `${k}x${k}`).join(', '),
                  se: d.ghostnet.seBlocks,
                  head: d.ghostnet.head,
                  classes: d.ghostnet.numClasses,
                })}
              </td>
            </tr>
          )}
          {published && (
            <tr>
              <th>{t('panels.published', { name: published.name })}</th>
              <td data-testid="model-published">
                {t('panels.publishedValue', {
                  params: millions(published.params),
                  mine: millions(
                    d.repopt?.checkpointParams ?? d.ghostnet?.checkpointParams ?? d.params,
                  ),
                  top1: published.top1,
                  checkpoint: published.checkpoint,
                })}
                {published.gmacs !== null &&
                  t('panels.publishedGmacs', {
                    gmacs: published.gmacs,
                    mine: d.gmacs?.toFixed(2) ?? '?',
                  })}
                {untrained && (
                  <strong className="warn" data-testid="published-untrained">
                    {' '}
                    {t('panels.publishedUntrained')}
                  </strong>
                )}
              </td>
            </tr>
          )}
          {Object.keys(d.metadata).length > 0 && (
            <tr>
              <th>{t('panels.metadata')}</th>
              <td>
                {Object.entries(d.metadata).map(([k, v]) => (
                  <div key={k}>
                    <code>{k}</code>: {v}
                  </div>
                ))}
              </td>
            </tr>
          )}
          <tr>
            <th>{t('panels.kernels')}</th>
            <td data-testid="model-runner" data-runner={info.runner.name}>
              {info.runner.name === 'lens'
                ? say(info.messages.backendReason, info.backendReason)
                : t('panels.kernelsRuntime', { threads: info.threads })}
              {info.runner.declined.map((d) => (
                <div key={d.backend} data-testid="model-runner-declined" data-backend={d.backend}>
                  {t('panels.kernelsDeclined', { backend: d.backend, reason: d.reason })}
                </div>
              ))}
            </td>
          </tr>
          <tr>
            <th>{t('panels.convolutions')}</th>
            <td
              data-testid="model-fast-path"
              data-path={info.fast.path}
              data-pending={info.fast.pending ? 'true' : undefined}
            >
              {say(fastPathNote(info.fast).message, describeFastPath(info.fast))}
              {info.fast.path === 'winograd' && (
                <Nums
                  text={t(
                    info.runner.name === 'lens' ? 'panels.fastDetailLens' : 'panels.fastDetail',
                    {
                      ms: Math.round(info.fast.rewriteMs),
                      mib: (info.fast.transformedWeightBytes / 2 ** 20).toFixed(0),
                    },
                  )}
                />
              )}
              {info.fast.path === 'winograd' && info.fast.check && (
                <Nums
                  text={t('panels.fastChecked', {
                    images: info.fast.check.images,
                    rel: (info.fast.check.maxAbsDiff / (info.fast.check.scale || 1)).toExponential(
                      1,
                    ),
                    bound: info.fast.check.bound.toExponential(1),
                  })}
                />
              )}
            </td>
          </tr>
          <tr>
            <th>{t('panels.cam')}</th>
            <td data-testid="cam-availability">
              {info.cam.available ? t('panels.camAvailable') : t('panels.camUnavailable')}:{' '}
              {/* The engine's reason names the CLI flag; the page names its own checkbox. */}
              {d.ghostnet
                ? t('panels.camGhost')
                : info.messages.cam.key === 'cam.noFeatures'
                  ? t('panels.camNoFeatures')
                  : say(info.messages.cam, info.cam.reason)}
            </td>
          </tr>
        </tbody>
      </table>
    </details>
  );
}
