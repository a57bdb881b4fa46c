import { useLens } from '../store';

/** Checkpoint conversion: options, and the models converted in this session (downloadable). */
export function ConvertPanel() {
  const options = useLens((s) => s.convertOptions);
  const converted = useLens((s) => s.converted);
  return (
    <details className="panel" data-testid="convert-panel" open={converted.length > 0}>
      <summary>
        Convert a PyTorch checkpoint (.pth): drop it on the page
        {converted.length > 0 && ` · ${converted.length} converted`}
      </summary>
      <p className="muted">
        Read safely (nothing in the file is executed), re-parameterised into plain 3x3 convolutions,
        written as ONNX, and loaded, all in this page.
      </p>
      <label>
        <input
          type="checkbox"
          checked={options.fp16}
          onChange={(e) => useLens.getState().setConvertOptions({ fp16: e.currentTarget.checked })}
        />{' '}
        fp16 weights
      </label>{' '}
      <label>
        <input
          type="checkbox"
          checked={options.features}
          onChange={(e) =>
            useLens.getState().setConvertOptions({ features: e.currentTarget.checked })
          }
        />{' '}
        features output (CAMs)
      </label>
      <ul>
        {converted.map((c) => (
          <li key={c.url} data-testid="converted-model" data-name={c.name} data-params={c.params}>
            {c.name}: {c.description}; {(c.params / 1e6).toFixed(3)} M params, {c.gmacs.toFixed(3)}{' '}
            GMACs; {c.layout}; converted in {(c.ms / 1000).toFixed(1)} s{' '}
            <a href={c.url} download={c.name} data-testid="download-onnx">
              Download .onnx
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
