/**
 * A Live2D model as a rig (the interface of ./pack-rig's PackRig), drawn by @naari3/pixi-live2d-display.
 *
 * The plugin throws on load when Cubism Core is absent, so it is imported only after the user's Core
 * (served by the box: GET /api/avatars/cubism-core) has been loaded by a script tag; esbuild keeps the
 * dynamic import lazy, so a page without Live2D never evaluates it. The model updates from our frame
 * loop (autoUpdate off), and the standard parameters are set from the sample just before each model
 * update, after its idle motions and physics inputs, so tracking wins.
 */
import { Container, type Bounds } from 'pixi.js';
import type { AvatarSample } from './sample';
import { LIVE2D_PARAMETERS, live2dParameters } from './live2d-params';

interface Live2DListing {
  models: { id: string; modelUrl: string }[];
  coreInstalled: boolean;
  coreMissing: string | null;
}

/** The few methods of the plugin's Cubism model that we use (parameters by index: ids are handles). */
interface CubismCoreModel {
  getParameterCount(): number;
  getParameterId(index: number): { isEqual(name: string): boolean };
  setParameterValueByIndex(index: number, value: number, weight?: number): void;
}

let coreLoading: Promise<void> | null = null;

/** Loads the user's Cubism Core once per page, from the box (never from the internet). */
function loadCubismCore(): Promise<void> {
  if ((window as { Live2DCubismCore?: unknown }).Live2DCubismCore) return Promise.resolve();
  coreLoading ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/api/avatars/cubism-core';
    script.onload = () => ((window as { Live2DCubismCore?: unknown }).Live2DCubismCore ? resolve() : reject(new Error('the Cubism Core file on the box did not define Live2DCubismCore')));
    script.onerror = () => reject(new Error('Cubism Core could not be loaded from the box'));
    document.head.appendChild(script);
  }).catch((err: unknown) => {
    coreLoading = null;
    throw err;
  });
  return coreLoading;
}

export async function loadLive2DRig(id: string, signal?: AbortSignal): Promise<Live2DRig> {
  const res = await fetch('/api/avatars/live2d', { cache: 'no-store', signal });
  if (!res.ok) throw new Error(`the Live2D models could not be listed (HTTP ${res.status})`);
  const listing = (await res.json()) as Live2DListing;
  const entry = listing.models.find((m) => m.id === id);
  if (!entry) throw new Error(`no Live2D model "${id}" on the box`);
  if (!listing.coreInstalled) throw new Error(listing.coreMissing ?? 'Cubism Core is missing');
  await loadCubismCore();
  const { Live2DModel } = await import('@naari3/pixi-live2d-display');
  const model = await Live2DModel.from(entry.modelUrl, { autoUpdate: false, autoHitTest: false, autoFocus: false });
  if (signal?.aborted) {
    model.destroy();
    throw new Error('aborted');
  }
  return new Live2DRig(model);
}

type PluginModel = Awaited<ReturnType<(typeof import('@naari3/pixi-live2d-display'))['Live2DModel']['from']>>;

export class Live2DRig {
  readonly root = new Container();
  readonly extent: { left: number; right: number; top: number; bottom: number };
  private readonly indices: [number, number][] = [];
  private sample: AvatarSample | null = null;
  private lastMs: number | null = null;

  constructor(private readonly model: PluginModel) {
    // The model's own size, its bottom centre at the rig's origin (as the other rigs stand).
    const w = model.width;
    const h = model.height;
    model.position.set(-w / 2, -h);
    this.root.addChild(model);
    this.extent = { left: -w / 2, right: w / 2, top: -h, bottom: 0 };
    const internal = model.internalModel;
    if (!internal) throw new Error('the Live2D model did not load');
    const core = internal.coreModel as unknown as CubismCoreModel;
    const count = core.getParameterCount();
    LIVE2D_PARAMETERS.forEach((name, k) => {
      for (let i = 0; i < count; i++) if (core.getParameterId(i).isEqual(name)) this.indices.push([k, i]);
    });
    internal.on('beforeModelUpdate', () => {
      if (!this.sample) return;
      const values = live2dParameters(this.sample);
      for (const [k, i] of this.indices) core.setParameterValueByIndex(i, values[LIVE2D_PARAMETERS[k]]);
    });
  }

  apply(s: AvatarSample, nowMs: number): void {
    this.sample = s;
    this.model.update(this.lastMs === null ? 0 : Math.min(100, nowMs - this.lastMs));
    this.lastMs = nowMs;
  }

  /** No named parts in a Live2D model: every region is the model's box. */
  regions(): Record<'leftEye' | 'rightEye' | 'mouth' | 'face', Bounds> {
    const b = this.root.getBounds();
    return { leftEye: b, rightEye: b, mouth: b, face: b };
  }

  destroy(): void {
    this.root.destroy({ children: true });
  }
}
