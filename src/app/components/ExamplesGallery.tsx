import { useTranslation } from 'react-i18next';
import { classifyFiles } from '../controller';
import { EXAMPLES, exampleUrl } from '../examples';

async function classifyExample(file: string): Promise<void> {
  const response = await fetch(exampleUrl(file));
  const blob = await response.blob();
  await classifyFiles([new File([blob], file, { type: blob.type })]);
}

/** One click to classify a bundled photo, so a demo starts without hunting for files. */
export function ExamplesGallery() {
  const { t } = useTranslation();
  return (
    <div className="gallery" role="group" aria-label={t('drop.examples')}>
      <span className="muted">{t('drop.examples')}</span>
      {EXAMPLES.map((e) => (
        <button
          key={e.file}
          type="button"
          className="example"
          data-testid="example"
          data-file={e.file}
          title={`${e.title} (${e.credit})`}
          onClick={() => void classifyExample(e.file)}
        >
          <img src={exampleUrl(e.file)} alt={e.title} />
        </button>
      ))}
    </div>
  );
}
