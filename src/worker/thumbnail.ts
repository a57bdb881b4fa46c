/** A small JPEG of the photo for the results list, so the page never decodes full-size photos. */
import type { RgbImage } from '../core/image/rgb-image';
import { thumbnailRgba } from '../core/image/thumbnail';

export const THUMBNAIL_SIDE = 240;

export async function makeThumbnail(image: RgbImage): Promise<Blob> {
  const t = thumbnailRgba(image, THUMBNAIL_SIDE);
  const canvas = new OffscreenCanvas(t.width, t.height);
  canvas.getContext('2d')!.putImageData(new ImageData(t.data, t.width, t.height), 0, 0);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
}
