/**
 * The live camera: classifies the newest frame whenever the worker is free. A frame is grabbed
 * only after the previous result arrived, so frames are dropped, never queued, and the latency
 * shown is that of what is on screen.
 */
import { classifyFiles, classifyFrame } from './controller';
import { useLens } from './store';

let stream: MediaStream | null = null;
let video: HTMLVideoElement | null = null;
let running = false;
/** The next frame starts a new stream (the engine forgets earlier frames' smoothing). */
let restart = true;
const stamps: number[] = [];
let snapshotCount = 0;

export async function listCameras(): Promise<void> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  useLens.getState().setLive({
    devices: devices
      .filter((d) => d.kind === 'videoinput')
      .map((d, i) => ({ id: d.deviceId, label: d.label || `Camera ${i + 1}` })),
  });
}

export async function startCamera(
  element: HTMLVideoElement,
  deviceId: string | null,
): Promise<void> {
  stopCamera();
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: deviceId ? { deviceId: { exact: deviceId } } : true,
      audio: false,
    });
  } catch (e) {
    useLens.getState().setLive({ on: false, error: `Camera unavailable: ${(e as Error).message}` });
    return;
  }
  video = element;
  element.srcObject = stream;
  await element.play();
  restart = true;
  stamps.length = 0;
  useLens
    .getState()
    .setLive({ on: true, paused: false, error: null, deviceId, fps: 0, latencyMs: null, top5: [] });
  void listCameras();
  void loop();
}

export function stopCamera(): void {
  running = false;
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  if (video) video.srcObject = null;
  video = null;
  useLens.getState().setLive({ on: false, fps: 0 });
}

async function loop(): Promise<void> {
  if (running) return;
  running = true;
  while (running && video) {
    const { live } = useLens.getState();
    if (live.paused || video.readyState < 2) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const t0 = performance.now();
    try {
      // Labels, softmax, smoothing and top-5 come from the engine, as for photos.
      const payload = await classifyFrame(await createImageBitmap(video), {
        smoothing: useLens.getState().live.smoothing,
        restart,
      });
      restart = false;
      const now = performance.now();
      stamps.push(now);
      while (stamps.length > 0 && now - stamps[0]! > 2000) stamps.shift();
      const top5 = payload.top5;
      useLens.getState().setLive({
        fps: stamps.length > 1 ? ((stamps.length - 1) * 1000) / (now - stamps[0]!) : 0,
        latencyMs: now - t0,
        top5,
        error: null,
      });
    } catch (e) {
      useLens.getState().setLive({ error: (e as Error).message });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  running = false;
}

/** Adds the current frame to the results list, as if it had been dropped. */
export async function snapshot(): Promise<void> {
  if (!video) return;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
  if (blob)
    await classifyFiles([
      new File([blob], `snapshot-${++snapshotCount}.png`, { type: 'image/png' }),
    ]);
}
