import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { openFiles } from '../controller';

const imageFiles = (list: FileList | null | undefined): File[] => [...(list ?? [])];

/** The whole window is a drop target; clipboard paste feeds the same path as the picker. */
export function DropZone({ children }: { children: ReactNode }) {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const { t } = useTranslation();

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = imageFiles(e.clipboardData?.files);
      if (files.length > 0) {
        e.preventDefault();
        void openFiles(files);
      }
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, []);

  return (
    <div
      className={dragging ? 'app dragging' : 'app'}
      onDragEnter={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        depth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        depth.current = 0;
        setDragging(false);
        const files = imageFiles(e.dataTransfer.files);
        if (files.length > 0) void openFiles(files);
      }}
    >
      {children}
      {dragging && <div className="drop-overlay">{t('drop.overlay')}</div>}
    </div>
  );
}
