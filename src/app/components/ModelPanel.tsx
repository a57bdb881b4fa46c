import { describeFastPath } from '../../core/fast';
import { useLens } from '../store';

const millions = (n: number) => `${(n / 1e6).toFixed(3)} M`;
const shape = (s: (number | string)[] | null) => (s ? `[${s.join(', ')}]` : '(no shape)');

/** Everything a sanity check needs about the loaded model, with published figures beside ours. */
export function ModelPanel() {
  const info = useLens((s) => s.activeInfo);
  const d = info?.details;
  if (!info) return null;
  if (!d) {
    return (
      <details className="panel" data-testid="model-panel">
        <summary>Model details: not available (the graph could not be analysed)</summary>
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
        Model details: {info.name},{' '}
        {(d.repopt?.checkpointParams ?? d.params).toLocaleString('en-US')} parameters
        {d.gmacs !== null && `, ${d.gmacs.toFixed(3)} GMACs`}
        {d.repopt && `, RepOpt-VGG${d.repopt.name ? `-${d.repopt.name}` : ''} layout`}
      </summary>
      <table className="kv">
        <tbody>
          <tr>
            <th>File</th>
            <td>
              {(d.bytes / 1e6).toFixed(2)} MB, sha256 <code>{d.sha256 ?? 'computing…'}</code>
            </td>
          </tr>
          <tr>
            <th>Format</th>
            <td>
              ONNX IR {d.irVersion}, opset {d.opset ?? '?'}, producer {d.producer}
            </td>
          </tr>
          {d.inputs.map((v) => (
            <tr key={`in-${v.name}`}>
              <th>Input</th>
              <td>
                <code>{v.name}</code> {v.elemType} {shape(v.shape)}
              </td>
            </tr>
          ))}
          {d.outputs.map((v) => (
            <tr key={`out-${v.name}`}>
              <th>Output</th>
              <td>
                <code>{v.name}</code> {v.elemType} {shape(v.shape)}
              </td>
            </tr>
          ))}
          <tr>
            <th>Parameters</th>
            <td data-testid="model-params">
              {d.repopt &&
                `${d.repopt.checkpointParams.toLocaleString('en-US')} as PyTorch counts the target-mode checkpoint; `}
              {d.params.toLocaleString('en-US')} in the file (
              {Object.entries(d.paramsByType)
                .map(([t, n]) => `${t}: ${n.toLocaleString('en-US')}`)
                .join(', ')}
              ); BatchNorm folded into the convolutions
            </td>
          </tr>
          <tr>
            <th>GMACs</th>
            <td>
              {d.gmacs === null
                ? 'unknown (unsupported operators)'
                : `${d.gmacs.toFixed(4)} (conv + linear multiply-accumulates at the model's input size)`}
            </td>
          </tr>
          <tr>
            <th>Operators</th>
            <td>
              {Object.entries(d.opCounts)
                .map(([op, n]) => `${op} ${n}`)
                .join(', ')}
            </td>
          </tr>
          {d.repopt && (
            <tr>
              <th>Architecture</th>
              <td data-testid="model-arch">
                RepOpt-VGG{d.repopt.name ? `-${d.repopt.name}` : ' (custom)'}: blocks [
                {d.repopt.blocks.join(', ')}], widths [{d.repopt.widths.join(', ')}],{' '}
                {d.repopt.numClasses} classes{d.repopt.se ? ', SE blocks' : ''}
              </td>
            </tr>
          )}
          {published && (
            <tr>
              <th>Published ({published.name})</th>
              <td data-testid="model-published">
                {millions(published.params)} params (this model:{' '}
                {millions(d.repopt?.checkpointParams ?? d.params)}); top-1 {published.top1} % (
                {published.checkpoint})
                {published.gmacs !== null &&
                  `; ${published.gmacs} GMACs (this file: ${d.gmacs?.toFixed(2) ?? '?'})`}
              </td>
            </tr>
          )}
          {Object.keys(d.metadata).length > 0 && (
            <tr>
              <th>Metadata</th>
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
            <th>Convolutions</th>
            <td data-testid="model-fast-path" data-path={info.fast.path}>
              {describeFastPath(info.fast)}
              {info.fast.path === 'winograd' &&
                `; rewritten at load in ${Math.round(info.fast.rewriteMs)} ms, ${(info.fast.transformedWeightBytes / 2 ** 20).toFixed(0)} MiB of transformed weights (same results within float rounding; ?fast=0 runs the file as it is)`}
            </td>
          </tr>
          <tr>
            <th>CAM</th>
            <td data-testid="cam-availability">
              {info.cam.available ? 'available' : 'unavailable'}: {info.cam.reason}
            </td>
          </tr>
        </tbody>
      </table>
    </details>
  );
}
