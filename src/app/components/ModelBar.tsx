import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isBackendPreference } from '../../core/backend';
import { isPresetId, PRESETS } from '../../core/preprocess';
import { effectivePreset, loadModel } from '../controller';
import { useLens } from '../store';
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
  const selected = choice?.type === 'manifest' ? choice.entry.id : choice ? '__other' : '';
  const preset = presetOverride ?? effectivePreset();

  return (
    <div className="model-bar">
      <label>
        Model{' '}
        <select
          data-testid="model-select"
          value={selected}
          onChange={(e) => {
            const entry = manifest?.models.find((m) => m.id === e.currentTarget.value);
            if (entry) void loadModel({ type: 'manifest', entry });
          }}
        >
          {selected === '' && <option value="">(none)</option>}
          {manifest?.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
              {m.untrained && !/untrained/i.test(m.name) ? ' (untrained)' : ''}
            </option>
          ))}
          {choice && choice.type !== 'manifest' && (
            <option value="__other">
              {choice.type === 'file' ? choice.file.name : choice.url}
            </option>
          )}
        </select>
      </label>
      <button type="button" onClick={() => fileInput.current?.click()}>
        Open .onnx…
      </button>
      <input
        ref={fileInput}
        type="file"
        accept=".onnx"
        hidden
        data-testid="model-input"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) void loadModel({ type: 'file', file });
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
      <ModelStatusBadge />
      {manifestError && <p className="error">Model list unavailable: {manifestError}</p>}
    </div>
  );
}
