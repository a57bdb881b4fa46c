import { CHECKPOINT_ACCEPT } from '../../core/checkpoint/names';
import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isBackendPreference } from '../../core/inference/backend';
import { isPresetId, PRESETS } from '../../core/preprocess/preprocess';
import { effectivePreset, loadModel, openModelFiles } from '../controller';
import { useLens } from '../store';
import { LabelsPicker } from './LabelsPicker';
import { ModelStatusBadge } from './ModelStatusBadge';

export function ModelBar() {
  const { manifest, manifestError, choice, backendPreference } = useLens(
    useShallow((s) => ({
      manifest: s.manifest,
      manifestError: s.manifestError,
      choice: s.choice,
      backendPreference: s.backendPreference,
    })),
  );
  const presetOverride = useLens((s) => s.presetOverride);
  const fileInput = useRef<HTMLInputElement>(null);
  const converted = useLens((s) => s.converted);
  const convertedIndex =
    choice?.type === 'file' ? converted.findIndex((c) => c.file === choice.file) : -1;
  const selected =
    choice?.type === 'manifest'
      ? choice.entry.id
      : convertedIndex >= 0
        ? `converted:${convertedIndex}`
        : choice
          ? '__other'
          : '';
  const preset = presetOverride ?? effectivePreset();

  return (
    <div className="model-bar">
      <label>
        Model{' '}
        <select
          data-testid="model-select"
          value={selected}
          onChange={(e) => {
            const value = e.currentTarget.value;
            const entry = manifest?.models.find((m) => m.id === value);
            const converted = value.startsWith('converted:')
              ? useLens.getState().converted[Number(value.slice(10))]
              : undefined;
            if (entry) void loadModel({ type: 'manifest', entry });
            else if (converted) void loadModel({ type: 'file', file: converted.file });
          }}
        >
          {selected === '' && <option value="">(none)</option>}
          {manifest?.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
              {m.untrained && !/untrained/i.test(m.name) ? ' (untrained)' : ''}
            </option>
          ))}
          {converted.map((c, i) => (
            <option key={c.url} value={`converted:${i}`}>
              {c.name} (converted)
            </option>
          ))}
          {selected === '__other' && choice && choice.type !== 'manifest' && (
            <option value="__other">
              {choice.type === 'file' ? choice.file.name : choice.url}
            </option>
          )}
        </select>
      </label>
      <button type="button" onClick={() => fileInput.current?.click()}>
        Open .onnx or .pth…
      </button>
      <input
        ref={fileInput}
        type="file"
        accept={`.onnx,.data,.onnx_data,${CHECKPOINT_ACCEPT}`}
        multiple
        hidden
        data-testid="model-input"
        onChange={(e) => {
          // Several files: a model saved with ONNX external data and its data file.
          void openModelFiles([...(e.currentTarget.files ?? [])]);
          e.currentTarget.value = '';
        }}
      />
      <label>
        Preprocessing{' '}
        <select
          data-testid="preset-select"
          value={preset}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (isPresetId(v)) useLens.getState().setPresetOverride(v);
          }}
        >
          {Object.values(PRESETS).map((p) => (
            <option key={p.id} value={p.id} title={p.title}>
              {p.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        Backend{' '}
        <select
          data-testid="backend-select"
          value={backendPreference}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (!isBackendPreference(v)) return;
            useLens.getState().setBackendPreference(v);
            if (choice) void loadModel(choice);
          }}
        >
          <option value="auto">auto</option>
          <option value="wasm">WASM</option>
          <option value="webgpu">WebGPU (force)</option>
        </select>
      </label>
      <LabelsPicker />
      <ModelStatusBadge />
      {manifestError && <p className="error">Model list unavailable: {manifestError}</p>}
    </div>
  );
}
