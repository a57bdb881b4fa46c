import { onlyUntrained } from '../../core/model/manifest';
import { useLens } from '../store';

/** Seeded test models say nothing about the photo; say so, and how to get real weights. */
export function UntrainedNotice() {
  const manifest = useLens((s) => s.manifest);
  const activeUntrained = useLens((s) => s.activeUntrained);
  const noRealModels = manifest !== null && onlyUntrained(manifest);
  if (!noRealModels && !activeUntrained) return null;
  return (
    <aside className="notice" data-testid="untrained-notice">
      {activeUntrained && (
        <p>
          <strong>untrained: for pipeline checks only.</strong> The current model has seeded random
          weights; its predictions check the pipeline, not the photo.
        </p>
      )}
      {noRealModels && (
        <p>
          To classify for real, get an official RepOpt-VGG checkpoint (B1, B2, L1 or L2, see the
          README), export it with{' '}
          <code>/usr/bin/python3 tools/export_onnx.py RepOpt-VGG-B1-acc78.62.pth</code>, which
          writes the ONNX into <code>models/</code> and adds it to <code>models/models.json</code>,
          or open any exported <code>.onnx</code> with “Open .onnx…”.
        </p>
      )}
    </aside>
  );
}
