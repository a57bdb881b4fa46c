/**
 * The live camera. A frame is classified only when the camera presented a new one
 * (`requestVideoFrameCallback`), and only after the previous result arrived: frames are dropped,
 * never queued or classified twice, and the latency shown is that of what is on screen.
 *
 * At most one frame is in flight, always: each start of the camera opens a new session, and a
 * session's first frame waits for the previous session's frame still in the worker (Stop + Start
 * while a frame is in flight used to start a second loop beside the first).
 */
import { classifyFiles, classifyFrame } from './controller';
import { useLens } from './store';

let stream: MediaStream | null = null;
let video: HTMLVideoElement | null = null;
/** Incremented by every start and stop: a loop whose session is over stops at its next step. */
let session = 0;
/** The frame in the worker now (any session's), so a new session waits for it. */
let inFlight: Promise<unknown> = Promise.resolve();
let framesInFlight = 0;
/** Wakes a loop waiting for a frame when its session ends (the video then presents no more). */
let wake: (() => void) | null = null;
let snapshotCount = 0;

/** Frames presented by the camera and frames classified, over the last two seconds. */
const cameraStamps: number[] = [];
const classifiedStamps: number[] = [];

function rate(stamps: number[], now: number): number {
  while (stamps.length > 0 && now - stamps[0]! > 2000) stamps.shift();
  return stamps.length > 1 ? ((stamps.length - 1) * 1000) / (now - stamps[0]!) : 0;
}

export async function listCameras(): Promise<void> {
  if (!navigator.mediaDevices) return;
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
  const mine = session;
  if (!navigator.mediaDevices) {
    useLens.getState().setLive({ on: false, error: 'insecure-context' });
    return;
  }
  let opened: MediaStream;
  try {
    opened = await navigator.mediaDevices.getUserMedia({
      video: deviceId ? { deviceId: { exact: deviceId } } : true,
      audio: false,
    });
  } catch (e) {
    useLens.getState().setLive({ on: false, error: `Camera unavailable: ${(e as Error).message}` });
    return;
  }
  if (mine !== session) {
    // Stopped (or restarted) while the browser was asking: this stream is not wanted any more.
    for (const track of opened.getTracks()) track.stop();
    return;
  }
  stream = opened;
  video = element;
  element.srcObject = stream;
  await element.play().catch(() => undefined);
  cameraStamps.length = 0;
  classifiedStamps.length = 0;
  useLens.getState().setLive({
    on: true,
    paused: false,
    error: null,
    deviceId,
    fps: 0,
    cameraFps: 0,
    framesClassified: 0,
    latencyMs: null,
    top5: [],
  });
  void listCameras();
  void loop(mine, element);
}

/** Stops the camera and forgets its results: nothing of it stays on screen. */
export function stopCamera(): void {
  session++;
  wake?.();
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  if (video) video.srcObject = null;
  video = null;
  useLens.getState().setLive({
    on: false,
    paused: false,
    fps: 0,
    cameraFps: 0,
    latencyMs: null,
    top5: [],
  });
}

/** Resolves at the next frame the camera presents, or with false once the session is over. */
function nextFrame(element: HTMLVideoElement, mine: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (mine !== session) return resolve(false);
    const handle = element.requestVideoFrameCallback(() => {
      wake = null;
      resolve(mine === session);
    });
    wake = () => {
      element.cancelVideoFrameCallback(handle);
      wake = null;
      resolve(false);
    };
  });
}

async function loop(mine: number, element: HTMLVideoElement): Promise<void> {
  let restart = true;
  // A frame of an earlier session may still be in the worker: never two at once.
  await inFlight.catch(() => undefined);
  while (await nextFrame(element, mine)) {
    const now = performance.now();
    cameraStamps.push(now);
    const { live } = useLens.getState();
    if (live.paused || element.readyState < 2) {
      useLens.getState().setLive({ cameraFps: rate(cameraStamps, now) });
      continue;
    }
    const t0 = performance.now();
    const run = createImageBitmap(element).then((bitmap) =>
      // Labels, softmax, smoothing and top-5 come from the engine, as for photos.
      classifyFrame(bitmap, { smoothing: live.smoothing, restart }),
    );
    framesInFlight++;
    useLens.getState().setLive({
      maxFramesInFlight: Math.max(useLens.getState().live.maxFramesInFlight, framesInFlight),
    });
    inFlight = run;
    try {
      const payload = await run;
      if (mine !== session) break;
      restart = false;
      const done = performance.now();
      classifiedStamps.push(done);
      useLens.getState().setLive({
        fps: rate(classifiedStamps, done),
        cameraFps: rate(cameraStamps, done),
        framesClassified: useLens.getState().live.framesClassified + 1,
        latencyMs: done - t0,
        top5: payload.top5,
        error: null,
      });
    } catch (e) {
      if (mine !== session) break;
      useLens.getState().setLive({ error: (e as Error).message });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      framesInFlight--;
    }
  }
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
