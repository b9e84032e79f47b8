/**
 * The avatars to choose from (settings.avatar.choice): one rig, drawn by us in code, with different
 * hair, outfit and default colours. `primary` colours hair and outfit, `accent` the irises and trims;
 * both come from settings.avatar.colours when the user sets them.
 */
import { parseHexColour } from './colour';

export type HairStyle = 'long' | 'bob-ears';
export type Outfit = 'sailor' | 'hoodie';

export interface AvatarTheme {
  /** '#rrggbb' */
  primary: string;
  accent: string;
}

export interface AvatarDefinition {
  id: string;
  name: string;
  hair: HairStyle;
  outfit: Outfit;
  skin: number;
  /** Line colour for lashes, brows' edges, the closed mouth. */
  line: number;
  defaultTheme: AvatarTheme;
}

export const AVATARS: readonly AvatarDefinition[] = [
  {
    id: 'default',
    name: 'Mika',
    hair: 'long',
    outfit: 'sailor',
    skin: 0xffe0cf,
    line: 0x3b2433,
    defaultTheme: { primary: '#7c5cff', accent: '#ff7eb6' },
  },
  {
    id: 'kit',
    name: 'Kit',
    hair: 'bob-ears',
    outfit: 'hoodie',
    skin: 0xf6d2b8,
    line: 0x2e2622,
    defaultTheme: { primary: '#f08a3c', accent: '#3cb8a8' },
  },
];

/** The definition for an id; unknown ids (a setting from a newer version) fall back to the first. */
export function avatarDefinition(id: string): AvatarDefinition {
  return AVATARS.find((a) => a.id === id) ?? AVATARS[0];
}

export interface ResolvedColours {
  skin: number;
  line: number;
  primary: number;
  accent: number;
}

export function resolveColours(def: AvatarDefinition, theme?: Partial<AvatarTheme>): ResolvedColours {
  return {
    skin: def.skin,
    line: def.line,
    primary: parseHexColour(theme?.primary ?? def.defaultTheme.primary, parseHexColour(def.defaultTheme.primary, 0x7c5cff)),
    accent: parseHexColour(theme?.accent ?? def.defaultTheme.accent, parseHexColour(def.defaultTheme.accent, 0xff7eb6)),
  };
}
