/**
 * How far each raw metric has to move from neutral to reach 1. Defaults are chosen from facial
 * anatomy at inter-ocular distance (IOD, outer eye corners, ~90 mm for an adult) scale, not tuned on
 * test data: e.g. a wide-open mouth parts the inner lips ~27 mm (0.3 IOD; FaceMesh's inner-lip points
 * sit on the lips' inner edge), a full brow raise lifts the brow
 * ~9 mm (0.1 IOD), a broad smile lifts the mouth corners ~5 mm (0.06 IOD).
 */
export interface FeatureRanges {
  /** Eye aspect ratio, as a fraction of neutral, at which the eye reads closed (openness 0, blink 1).
   * Not 0: FaceMesh's lids rarely meet exactly. */
  eyeClosedRatio: number;
  /** Eye aspect ratio, as a multiple of neutral, at which eyeWide = 1. */
  eyeWideRatio: number;
  /** Fraction of the neutral lower-lid depth lost at eyeSquint = 1. */
  squintFraction: number;
  /** Iris offset from neutral, in eye widths, at full eyeLookIn/Out, Up, Down (iris input). */
  irisLookHorizontal: number;
  irisLookUp: number;
  irisLookDown: number;
  /** Head-relative gaze angle from neutral, degrees, at full eyeLook* (gaze input). */
  gazeLookHorizontalDeg: number;
  gazeLookUpDeg: number;
  gazeLookDownDeg: number;
  /** Inner-lip gap above neutral, IOD, at mouth open = 1. */
  mouthOpen: number;
  /** Relative mouth-width change at wide = 1 (and, negative, at wide = 0 and mouthPucker = 1). */
  mouthWidth: number;
  /** Relative growth of the nose-chin distance at jawOpen = 1. */
  jawOpen: number;
  /** Mouth-corner rise (smile) / drop (frown) from neutral, IOD. */
  smile: number;
  frown: number;
  /** Relative growth of a corner's distance from the midline at mouthStretch = 1. */
  stretch: number;
  /** Sideways shift of the lips, IOD, at mouthLeft/Right = 1. */
  mouthShift: number;
  /** Brow rise / drop from neutral, IOD. */
  browRaise: number;
  browLower: number;
  /** Inner brow ends drawn together, IOD, at browDown = 1. */
  browSqueeze: number;
  // Lower-face shapes (all IOD unless a ratio; an adult IOD is ~90 mm, so 0.05 IOD is ~4.5 mm).
  /** Chin moved sideways at jawLeft/Right = 1: the mandible's lateral excursion, ~9 mm. */
  jawSide: number;
  /** Chin moved forward at jawForward = 1: mandibular protrusion, ~7 mm. */
  jawForward: number;
  /** Upper lip raised beside the centre at mouthUpperUp = 1 (levator labii superioris, ~4.5 mm). */
  upperLipRaise: number;
  /** Lower lip pulled down beside the centre at mouthLowerDown = 1 (depressor labii inferioris, ~4.5 mm). */
  lowerLipDrop: number;
  /** Fraction of the red lip's neutral thickness hidden at mouthRoll = 1: a rolled-in lip shows about a third. */
  lipRoll: number;
  /** Fraction of the lips' neutral thickness beside the centre lost at mouthPress = 1: pressed lips thin by about half. */
  lipPress: number;
  /** Upper lip centre raised / lower lip centre pushed up at mouthShrugUpper / Lower = 1 (~4.5 mm). */
  lipShrug: number;
  /** Mouth corner drawn back at mouthDimple = 1 (buccinator, ~4.5 mm). */
  cornerBack: number;
  /** Upper cheek raised at cheekSquint = 1 (orbicularis oculi, outer part, ~3.5 mm). */
  cheekRaise: number;
  /** Nose wing raised at noseSneer = 1 (levator labii superioris alaeque nasi, ~3 mm). */
  noseWingRaise: number;
  /** Relative growth of the width across the cheeks at cheekPuff = 1 (~4 mm a side on ~80 mm). */
  cheekPuff: number;
  /** Inner-mouth opening aspect (gap / width) where mouthFunnel starts, and where it is full: a wide-open
   * unrounded mouth is ~27 mm by ~45 mm (0.6), a funnelled one about round (1). */
  funnelAspectStart: number;
  funnelAspectFull: number;
}

export const DEFAULT_RANGES: Readonly<FeatureRanges> = {
  eyeClosedRatio: 0.25,
  eyeWideRatio: 1.3,
  squintFraction: 0.5,
  irisLookHorizontal: 0.2,
  irisLookUp: 0.1,
  irisLookDown: 0.1,
  gazeLookHorizontalDeg: 30,
  gazeLookUpDeg: 20,
  gazeLookDownDeg: 25,
  mouthOpen: 0.3,
  mouthWidth: 0.25,
  jawOpen: 0.35,
  smile: 0.06,
  frown: 0.04,
  stretch: 0.12,
  mouthShift: 0.08,
  browRaise: 0.1,
  browLower: 0.05,
  browSqueeze: 0.06,
  jawSide: 0.1,
  jawForward: 0.08,
  upperLipRaise: 0.05,
  lowerLipDrop: 0.05,
  lipRoll: 0.65,
  lipPress: 0.5,
  lipShrug: 0.05,
  cornerBack: 0.05,
  cheekRaise: 0.04,
  noseWingRaise: 0.035,
  cheekPuff: 0.1,
  funnelAspectStart: 0.35,
  funnelAspectFull: 0.85,
};
