/**
 * PackRig: an avatar pack (a layered PSD the service converted, src/avatar/README.md) posed from one
 * AvatarSample per drawn frame, like AvatarRig poses the characters drawn in code. AvatarMotion
 * (interpolation, idle, hand-over) is shared; only the drawing differs.
 *
 * Every layer is one sprite, in the PSD's order. Body layers breathe and lean about the body's base;
 * everything else is the head: rolled about the neck (the bottom middle of the head and face layers)
 * and shifted by depth parallax for yaw and pitch (back hair against the turn, front hair most).
 * Eyes, irises and mouths are switched from the sample: per side open / half / closed (winks work),
 * irises moved with the gaze inside their eye, the strongest vowel's mouth while open, the smile or
 * the closed mouth while shut. Rig space: canvas pixels with the origin at the canvas's bottom middle.
 */
import { Container, Sprite, Texture, type Bounds } from 'pixi.js';
import type { PackLayer, PackManifest } from '../../../src/avatar/pack';
import type { AvatarPart, EyeState, MouthShapeName, Side } from '../../../src/avatar/parts';
import type { AvatarSample } from './sample';

const DEG = Math.PI / 180;
const BREATH_PERIOD_MS = 4200;
/** Parallax depth per part: how far a layer moves, in units of the head's parallax, when the head turns. */
const DEPTH: Record<AvatarPart, number> = {
  hair_back: -0.5,
  body: 0,
  head: 0.15,
  face: 0.35,
  eye_white_l: 0.55,
  eye_white_r: 0.55,
  iris_l: 0.6,
  iris_r: 0.6,
  eye_l_open: 0.55,
  eye_l_half: 0.55,
  eye_l_closed: 0.55,
  eye_r_open: 0.55,
  eye_r_half: 0.55,
  eye_r_closed: 0.55,
  brow_l: 0.6,
  brow_r: 0.6,
  mouth_closed: 0.6,
  mouth_a: 0.6,
  mouth_i: 0.6,
  mouth_u: 0.6,
  mouth_e: 0.6,
  mouth_o: 0.6,
  mouth_smile: 0.6,
  hair_front: 0.8,
  hidden: 0,
};
/** Unassigned layers move with the face. */
const UNASSIGNED_DEPTH = DEPTH.face;
/** Openness above which an eye is open, below which it is closed; half between (when drawn). */
const EYE_OPEN_ABOVE = 0.7;
const EYE_CLOSED_BELOW = 0.3;
const MOUTH_OPEN_ABOVE = 0.15;
const SMILE_ABOVE = 0.5;

interface Sprited {
  layer: PackLayer;
  sprite: Sprite;
  depth: number;
  body: boolean;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function union(layers: PackLayer[]): Box | null {
  if (layers.length === 0) return null;
  return {
    x0: Math.min(...layers.map((l) => l.x)),
    y0: Math.min(...layers.map((l) => l.y)),
    x1: Math.max(...layers.map((l) => l.x + l.width)),
    y1: Math.max(...layers.map((l) => l.y + l.height)),
  };
}

/** Loads a pack's manifest and layer pictures from the service and builds its rig. */
export async function loadPackRig(packId: string, signal?: AbortSignal): Promise<PackRig> {
  const res = await fetch(`/api/avatars/manifest?id=${encodeURIComponent(packId)}`, { signal });
  if (!res.ok) throw new Error(`avatar pack ${packId}: ${res.status} ${await res.text()}`);
  const manifest = (await res.json()) as PackManifest;
  const textures = await Promise.all(
    manifest.layers.map(async (l) => {
      const r = await fetch(`/api/avatars/layer?id=${encodeURIComponent(packId)}&n=${l.index}`, { signal });
      if (!r.ok) throw new Error(`avatar pack ${packId}: layer ${l.index}: ${r.status}`);
      return Texture.from(await createImageBitmap(await r.blob(), { premultiplyAlpha: 'none' }));
    }),
  );
  return new PackRig(manifest, textures);
}

export class PackRig {
  readonly root = new Container();
  /** The part of rig space the layout keeps on screen: the whole canvas. */
  readonly extent: { left: number; right: number; top: number; bottom: number };
  private readonly sprites: Sprited[] = [];
  private readonly byPart = new Map<AvatarPart, Sprited[]>();
  private readonly textures: Texture[];
  /** Canvas coordinates of the neck (head roll pivot) and of the body's base (lean and breath pivot). */
  private readonly neck: { x: number; y: number };
  private readonly bodyBase: { x: number; y: number };
  private readonly parallaxPx: number;
  private readonly eyeBoxes: Record<Side, Box | null>;
  private readonly headHeight: number;

  constructor(manifest: PackManifest, textures: Texture[]) {
    this.textures = textures;
    const w = manifest.width;
    const h = manifest.height;
    this.extent = { left: -w / 2, right: w / 2, top: -h, bottom: 0 };
    // Canvas → rig space: origin at the canvas's bottom middle.
    this.root.pivot.set(w / 2, h);

    manifest.layers.forEach((layer, i) => {
      if (layer.part === 'hidden') return;
      // Unassigned layers hidden in the PSD stay hidden; so do hidden body, head, hair and brow layers.
      if (!layer.visible && !isSwitched(layer.part)) return;
      const sprite = new Sprite(textures[i]);
      sprite.alpha = layer.opacity;
      sprite.position.set(layer.x, layer.y);
      this.root.addChild(sprite);
      const entry: Sprited = { layer, sprite, depth: layer.part ? DEPTH[layer.part] : UNASSIGNED_DEPTH, body: layer.part === 'body' };
      this.sprites.push(entry);
      if (layer.part) this.byPart.set(layer.part, [...(this.byPart.get(layer.part) ?? []), entry]);
    });

    const of = (...parts: AvatarPart[]) => parts.flatMap((p) => (this.byPart.get(p) ?? []).map((s) => s.layer));
    const all = manifest.layers.filter((l) => l.part !== 'hidden');
    const headBox = union(of('head', 'face')) ?? union(all.filter((l) => l.part !== 'body')) ?? { x0: 0, y0: 0, x1: w, y1: h };
    const bodyBox = union(of('body')) ?? { x0: headBox.x0, y0: headBox.y1, x1: headBox.x1, y1: h };
    this.neck = { x: (headBox.x0 + headBox.x1) / 2, y: headBox.y1 };
    this.bodyBase = { x: (bodyBox.x0 + bodyBox.x1) / 2, y: bodyBox.y1 };
    this.parallaxPx = 0.12 * (headBox.x1 - headBox.x0);
    this.headHeight = headBox.y1 - headBox.y0;
    const eyes = (side: Side) => union(of(`eye_${side}_open`, `eye_${side}_half`, `eye_${side}_closed`, `eye_white_${side}`));
    this.eyeBoxes = { l: eyes('l'), r: eyes('r') };
  }

  apply(s: AvatarSample, nowMs: number): void {
    const sinYaw = Math.sin(s.headYaw * DEG);
    const sinPitch = Math.sin(s.headPitch * DEG);
    // Image senses, as AvatarRig: yaw > 0 turns the face towards the image's left, pitch > 0 up.
    const shiftX = -sinYaw * this.parallaxPx;
    const shiftY = -sinPitch * this.parallaxPx * 0.7;
    const breath = Math.sin((2 * Math.PI * nowMs) / BREATH_PERIOD_MS);
    const lean = s.leanX * 0.12 + s.headRoll * DEG * 0.12;
    const bodyScaleX = 1 + 0.004 * breath;
    const bodyScaleY = 1 + 0.012 * breath;
    const bodyDx = s.leanX * this.parallaxPx;

    // The neck, carried by the leaning, breathing body.
    const nx = (this.neck.x - this.bodyBase.x) * bodyScaleX;
    const ny = (this.neck.y - this.bodyBase.y) * bodyScaleY;
    const cos = Math.cos(lean);
    const sin = Math.sin(lean);
    const neckX = this.bodyBase.x + bodyDx + nx * cos - ny * sin;
    const neckY = this.bodyBase.y + nx * sin + ny * cos + s.leanY * 0.05 * this.headHeight;
    const roll = s.headRoll * DEG;

    for (const e of this.sprites) {
      const l = e.layer;
      if (e.body) {
        e.sprite.pivot.set(this.bodyBase.x - l.x, this.bodyBase.y - l.y);
        e.sprite.position.set(this.bodyBase.x + bodyDx, this.bodyBase.y);
        e.sprite.rotation = lean;
        e.sprite.scale.set(bodyScaleX, bodyScaleY);
        continue;
      }
      // Head space: parallax (and the part's own motion) before the roll about the neck.
      let dx = shiftX * e.depth;
      let dy = shiftY * e.depth;
      const part = l.part;
      if (part === 'brow_l' || part === 'brow_r') dy -= 0.04 * this.headHeight * (part === 'brow_l' ? s.browRight : s.browLeft);
      if (part === 'iris_l' || part === 'iris_r') {
        const box = this.eyeBoxes[part === 'iris_l' ? 'l' : 'r'];
        if (box) {
          // ±30° yaw, ±20° pitch of eye-in-head gaze reach the travel's ends.
          dx += Math.max(-1, Math.min(1, -s.gazeYaw / 30)) * 0.22 * (box.x1 - box.x0);
          dy += Math.max(-1, Math.min(1, -s.gazePitch / 20)) * 0.15 * (box.y1 - box.y0);
        }
      }
      e.sprite.pivot.set(this.neck.x - l.x - dx, this.neck.y - l.y - dy);
      e.sprite.position.set(neckX, neckY);
      e.sprite.rotation = roll;
      e.sprite.scale.set(1, 1 - 0.05 * Math.abs(sinPitch));
    }

    // The viewer's left eye is the subject's right one in the (possibly mirrored) image.
    this.showEye('l', s.eyeRight);
    this.showEye('r', s.eyeLeft);
    this.showMouth(s);
  }

  /** Screen boxes of the parts (the viewer's left eye first), as AvatarRig.regions. */
  regions(): Record<'leftEye' | 'rightEye' | 'mouth' | 'face', Bounds> {
    const bounds = (parts: AvatarPart[]): Bounds => {
      let any: Bounds | null = null;
      for (const p of parts) {
        for (const e of this.byPart.get(p) ?? []) {
          const b = e.sprite.getBounds();
          if (!any) any = b.clone();
          else any.addBounds(b);
        }
      }
      return any ?? this.root.getBounds();
    };
    return {
      leftEye: bounds(['eye_l_open', 'eye_l_half', 'eye_l_closed']),
      rightEye: bounds(['eye_r_open', 'eye_r_half', 'eye_r_closed']),
      mouth: bounds(['mouth_closed', 'mouth_a', 'mouth_i', 'mouth_u', 'mouth_e', 'mouth_o', 'mouth_smile']),
      face: bounds(['head', 'face']),
    };
  }

  destroy(): void {
    this.root.destroy({ children: true });
    for (const t of this.textures) t.destroy(true);
  }

  private has(part: AvatarPart): boolean {
    return (this.byPart.get(part)?.length ?? 0) > 0;
  }

  private setShown(part: AvatarPart, shown: boolean): void {
    for (const e of this.byPart.get(part) ?? []) e.sprite.visible = shown;
  }

  private showEye(side: Side, openness: number): void {
    let state: EyeState = openness >= EYE_OPEN_ABOVE ? 'open' : openness < EYE_CLOSED_BELOW ? 'closed' : 'half';
    // A state the pack lacks: the nearer one it has.
    if (state === 'half' && !this.has(`eye_${side}_half`)) state = openness >= 0.5 ? 'open' : 'closed';
    if (state === 'closed' && !this.has(`eye_${side}_closed`)) state = this.has(`eye_${side}_half`) ? 'half' : 'open';
    for (const st of ['open', 'half', 'closed'] as const) this.setShown(`eye_${side}_${st}`, st === state);
    this.setShown(`iris_${side}`, state !== 'closed');
    this.setShown(`eye_white_${side}`, state !== 'closed');
  }

  private showMouth(s: AvatarSample): void {
    let shape: MouthShapeName = 'closed';
    if (s.mouthOpen >= MOUTH_OPEN_ABOVE) {
      const vowels = [
        ['a', s.vowelA],
        ['i', s.vowelI],
        ['u', s.vowelU],
        ['e', s.vowelE],
        ['o', s.vowelO],
      ] as const;
      let best: (typeof vowels)[number] = ['a', 0.05];
      for (const v of vowels) if (v[1] > best[1] && this.has(`mouth_${v[0]}`)) best = v;
      shape = best[0];
      if (!this.has(`mouth_${shape}`)) shape = 'closed';
    } else if (s.smile >= SMILE_ABOVE && this.has('mouth_smile')) {
      shape = 'smile';
    }
    for (const m of ['closed', 'a', 'i', 'u', 'e', 'o', 'smile'] as const) this.setShown(`mouth_${m}`, m === shape);
  }
}

function isSwitched(part: AvatarPart | null): boolean {
  return part !== null && /^(eye_|iris_|mouth_)/.test(part);
}
