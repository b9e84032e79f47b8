/**
 * Rig parts of an avatar pack and the layer-name convention that assigns PSD layers to them.
 * Pure (no Node, no DOM): the service maps names when it converts a PSD, the UI lists the parts in
 * its mapper. README.md in this folder has the convention for artists.
 *
 * Sides: `_l` / `_r` are the viewer's left and right, as the picture is seen (Live2D's habit).
 */

/** settings.avatar.choice for an avatar pack: `psd:<id>`. */
export const PACK_CHOICE_PREFIX = 'psd:';

/** The pack id of a settings.avatar.choice, or null for one of the built-in characters. */
export function packIdOfChoice(choice: string): string | null {
  return choice.startsWith(PACK_CHOICE_PREFIX) ? choice.slice(PACK_CHOICE_PREFIX.length) : null;
}

export const SIDES = ['l', 'r'] as const;
export type Side = (typeof SIDES)[number];
export const EYE_STATES = ['open', 'half', 'closed'] as const;
export type EyeState = (typeof EYE_STATES)[number];
export const MOUTH_SHAPES = ['closed', 'a', 'i', 'u', 'e', 'o', 'smile'] as const;
export type MouthShapeName = (typeof MOUTH_SHAPES)[number];

/** Every part, back to front as a character is usually layered (the PSD's own order is what is drawn). */
export const AVATAR_PARTS = [
  'hair_back',
  'body',
  'head',
  'face',
  'eye_white_l',
  'eye_white_r',
  'iris_l',
  'iris_r',
  'eye_l_open',
  'eye_l_half',
  'eye_l_closed',
  'eye_r_open',
  'eye_r_half',
  'eye_r_closed',
  'brow_l',
  'brow_r',
  'mouth_closed',
  'mouth_a',
  'mouth_i',
  'mouth_u',
  'mouth_e',
  'mouth_o',
  'mouth_smile',
  'hair_front',
  /** Not drawn (a sketch layer, an alternative the rig does not use). */
  'hidden',
] as const;
export type AvatarPart = (typeof AVATAR_PARTS)[number];

export function isAvatarPart(value: unknown): value is AvatarPart {
  return typeof value === 'string' && (AVATAR_PARTS as readonly string[]).includes(value);
}

/** What each part is called on screen. */
export function partLabel(part: AvatarPart): string {
  const side = (s: string) => (s === 'l' ? 'left' : 'right');
  let m = /^eye_([lr])_(open|half|closed)$/.exec(part);
  if (m) return `Eye ${side(m[1])} ${m[2]}`;
  m = /^(eye_white|iris|brow)_([lr])$/.exec(part);
  if (m) return `${{ eye_white: 'Eye white', iris: 'Iris', brow: 'Brow' }[m[1]]} ${side(m[2])}`;
  m = /^mouth_(\w+)$/.exec(part);
  if (m) return `Mouth ${m[1].length === 1 ? m[1].toUpperCase() : m[1]}`;
  const named: Record<string, string> = { hair_back: 'Hair (back)', hair_front: 'Hair (front)', body: 'Body', head: 'Head', face: 'Face details', hidden: 'Hidden' };
  return named[part] ?? part;
}

/**
 * The part a layer's name asks for, or null. Tolerant of case, separators ("Eye L Open", "eye-l-open",
 * "EyeLOpen"), English synonyms and the usual Japanese names (左目 閉じ, 口 あ, 前髪). `groups` are the
 * names of the folders around the layer, outermost first: "Left eye / closed" works too.
 */
export function partForLayerName(name: string, groups: readonly string[] = []): AvatarPart | null {
  return matchName(name) ?? (groups.length > 0 ? matchName([...groups, name].join(' ')) : null);
}

function words(text: string): { tokens: Set<string>; cjk: string } {
  const spaced = text
    .normalize('NFKC')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  const tokens = new Set(spaced.split(/[^a-z0-9]+/).filter(Boolean));
  // CJK has no spaces: match it by substring.
  const cjk = spaced.replace(/[\x00-\x7f]+/g, ' ');
  return { tokens, cjk };
}

function matchName(text: string): AvatarPart | null {
  const { tokens, cjk } = words(text);
  const has = (...w: string[]) => w.some((x) => tokens.has(x));
  const hasCjk = (...w: string[]) => w.some((x) => cjk.includes(x));
  if (has('hidden', 'ignore', 'sketch', 'guide') || hasCjk('下書き', 'ラフ')) return 'hidden';
  const side: Side | null = has('l', 'left') || hasCjk('左') ? 'l' : has('r', 'right') || hasCjk('右') ? 'r' : null;

  if (has('brow', 'brows', 'eyebrow', 'eyebrows') || hasCjk('眉', 'まゆ')) return side ? `brow_${side}` : null;
  if (has('iris', 'irises', 'pupil', 'pupils') || hasCjk('瞳', '黒目', 'ひとみ')) return side ? `iris_${side}` : null;
  if (has('white', 'whites', 'sclera') || hasCjk('白目')) return side ? `eye_white_${side}` : null;
  if (has('eye', 'eyes') || hasCjk('目')) {
    if (!side) return null;
    const state: EyeState | null =
      has('closed', 'close', 'shut', 'blink') || hasCjk('閉', 'つぶ', 'とじ') ? 'closed' : has('half') || hasCjk('半') ? 'half' : has('open') || hasCjk('開', '明') ? 'open' : null;
    // A plain "eye_l" is the open eye.
    return `eye_${side}_${state ?? 'open'}`;
  }
  if (has('mouth', 'lips', 'lip') || hasCjk('口')) {
    const kana: Record<string, MouthShapeName> = { あ: 'a', い: 'i', う: 'u', え: 'e', お: 'o' };
    for (const [k, v] of Object.entries(kana)) if (hasCjk(k)) return `mouth_${v}`;
    if (has('smile', 'grin') || hasCjk('笑')) return 'mouth_smile';
    for (const v of ['a', 'i', 'u', 'e', 'o'] as const) if (has(v)) return `mouth_${v}`;
    if (has('closed', 'close', 'shut', 'neutral') || hasCjk('閉')) return 'mouth_closed';
    return has('open') ? 'mouth_a' : 'mouth_closed';
  }
  if (has('hair', 'bangs', 'fringe') || hasCjk('髪')) {
    if (has('back', 'rear', 'behind') || hasCjk('後', 'うしろ')) return 'hair_back';
    return 'hair_front';
  }
  if (has('face', 'nose', 'blush', 'cheek', 'cheeks') || hasCjk('顔', '鼻', '頬')) return 'face';
  if (has('head', 'ear', 'ears') || hasCjk('頭', '耳')) return 'head';
  if (has('body', 'torso', 'neck', 'clothes', 'outfit', 'arm', 'arms') || hasCjk('体', '胴', '服')) return 'body';
  return null;
}
