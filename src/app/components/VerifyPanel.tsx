import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { loadReference, uncheckedItems, verifyItem } from '../verification';
import { useLens } from '../store';

/** Load what PyTorch said (tools/pytorch_reference.py) and see, per image, whether the page agrees. */
export function VerifyPanel() {
  const { verification, error, problem, tolerance, results, ignoreExif } = useLens(
    useShallow((s) => ({
      ignoreExif: s.ignoreExif,
      verification: s.verification,
      error: s.verificationError,
      problem: s.verificationProblem,
      tolerance: s.tolerance,
      results: s.results,
    })),
  );
  const verdicts = verification
    ? results.map((r) => verifyItem(r, verification.entries, tolerance)).filter((v) => v !== null)
    : [];
  const passed = verdicts.filter((v) => v.pass).length;
  const unchecked = verification
    ? uncheckedItems(results, verification.entries)
    : { missing: [], ambiguous: [] };
  const exifFailures = verdicts.filter((v) => v.cause === 'exif').length;
  const { t } = useTranslation();
  return (
    <details className="panel" open={verification !== null}>
      <summary>
        {t('panels.verifySummary')}
        {verification ? `${t('app.colon')}${verification.name}` : ''}
      </summary>
      <p className="muted">
        {t('panels.verifyHow')}{' '}
        <code>
          /usr/bin/python3 tools/pytorch_reference.py --checkpoint model.pth photos/*.jpg &gt;
          ref.json
        </code>
        {t('panels.verifyThen')}
      </p>
      <label>
        {t('panels.reference')}{' '}
        <input
          type="file"
          accept=".json,application/json"
          data-testid="reference-input"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void loadReference(file);
            e.currentTarget.value = '';
          }}
        />
      </label>{' '}
      <label>
        {t('panels.tolerance')}{' '}
        <input
          type="number"
          step="any"
          min="0"
          data-testid="tolerance"
          value={tolerance}
          onChange={(e) => {
            const t = Number(e.currentTarget.value);
            if (Number.isFinite(t) && t >= 0) useLens.getState().setTolerance(t);
          }}
        />
      </label>
      <label className="tool-row">
        <input
          type="checkbox"
          data-testid="ignore-exif"
          checked={ignoreExif}
          onChange={(e) => useLens.getState().setIgnoreExif(e.currentTarget.checked)}
        />{' '}
        {t('panels.ignoreExif')}
      </label>
      {error && (
        <p className="error" role="alert" data-testid="verify-error">
          {problem ? (
            <>
              {t(`panels.verifyShape.${problem.where}`, {
                at: problem.at ?? '',
                found: problem.found.join(', ') || t('panels.verifyShape.noKeys'),
                missing: problem.missing.join(', '),
              })}{' '}
              <span className="muted">{t('panels.verifyShape.accepted')}</span>
            </>
          ) : (
            error
          )}
        </p>
      )}
      {verification && (
        <p
          data-testid="verify-summary"
          data-passed={passed}
          data-failed={verdicts.length - passed}
          data-checked={verdicts.length}
          data-missing={unchecked.missing.length}
          data-ambiguous={unchecked.ambiguous.length}
        >
          {t('panels.verifyResult', { passed, count: verdicts.length, tolerance })}
          {verdicts.length - passed > 0 &&
            t('panels.verifyFailing', {
              files: results
                .filter((r) => verifyItem(r, verification.entries, tolerance)?.pass === false)
                .map((r) => r.fileName)
                .join(', '),
            })}
          {exifFailures > 0 && t('panels.verifyExif', { count: exifFailures })}
          {unchecked.missing.length > 0 &&
            t('panels.verifyMissing', { files: unchecked.missing.join(', ') })}
          {unchecked.ambiguous.length > 0 &&
            t('panels.verifyAmbiguous', { files: unchecked.ambiguous.join('; ') })}
        </p>
      )}
    </details>
  );
}
