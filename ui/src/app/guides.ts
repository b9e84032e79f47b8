/**
 * How to connect each VTuber app, written for a streamer: what to switch on in the app, which port,
 * what the box's Outputs page shows when it works and what to check when it does not. The one place
 * these texts live: the Outputs page shows each next to its output with the box's address filled in
 * (pages/outputs.ts), and docs/user-guide.md's "Connect your app" section is generated from them
 * (`npm run docs`, tools/docs/user-guide.ts; test/user-guide.test.ts fails when it is stale).
 *
 * Menu names in the apps are given only where their own documentation names them; elsewhere the
 * text says what to look for. Placeholders: {box} = the box's name and address ("vtlink-1a2b.local
 * (192.168.1.23)"), {url} = its page ("http://vtlink-1a2b.local:8080/"). No DOM here: the docs tool
 * runs it in Node.
 */

/** The Outputs page's cards that network apps connect to (settings.outputs keys). */
export type GuideOutput = 'vmc' | 'openSeeFace' | 'vrchat' | 'vtubeStudio';

export interface AppGuide {
  id: string;
  app: string;
  /** The output card it belongs to. */
  output: GuideOutput;
  /** The port the app listens on by default. */
  port: number;
  steps: string[];
  /** What the Outputs page shows when it works. */
  works: string;
  /** What to check when it does not, one line each. */
  trouble: string[];
}

/** The box's part, the same for every UDP app: switch the output on and point it at the PC. */
const boxStep = (output: string, port: number): string =>
  `On the box's Outputs page, switch on "${output}", tap the target's host and type your PC's address (on Windows: Settings › Network › Properties, "IPv4 address"), set the port to ${port} if it is not, and tap Apply. From the PC you can do this at {url} after pairing with the PIN on the box's System page.`;

const firewall = 'Nothing moves although the target says "Sending": Windows Firewall is probably dropping what {box} sends. Allow the app on private networks (Windows asks the first time; otherwise Windows Security › Firewall › Allow an app), and make sure the PC\'s network is set to Private.';
const noListener = '"No listener": the PC answered that nothing listens on that port. The app is not running, its receiver is off, or its port is not the one on the box.';

export const GUIDES: AppGuide[] = [
  {
    id: 'vseeface',
    app: 'VSeeFace',
    output: 'openSeeFace',
    port: 11573,
    steps: [
      boxStep('OpenSeeFace', 11573),
      'In VSeeFace\'s start screen, pick "[Network tracking]" in the camera list instead of a webcam and press Start. VSeeFace then listens on port 11573 for the tracking the box sends and drives the avatar as if its own tracker ran.',
    ],
    works: 'The target row on the box shows "Sending" and the avatar in VSeeFace follows your head, eyes and mouth.',
    trouble: [noListener, firewall, 'VSeeFace also reads the VMC protocol (its VMC receiver, port 39539): use that instead when another app already sends VMC to it, not both at once.'],
  },
  {
    id: 'vnyan',
    app: 'VNyan',
    output: 'vmc',
    port: 39539,
    steps: [
      boxStep('VMC protocol', 39539),
      'In VNyan\'s settings, look for the VMC receiver (VMC protocol input) and switch it on with port 39539.',
    ],
    works: 'The VMC target row on the box shows "Sending" and the avatar in VNyan turns its head and blinks with you.',
    trouble: [noListener, firewall, 'The avatar moves but the face does not: VNyan applies blend shapes by their VRM or ARKit names; use a model with those expressions.'],
  },
  {
    id: 'warudo',
    app: 'Warudo',
    output: 'vmc',
    port: 39539,
    steps: [
      boxStep('VMC protocol', 39539),
      'In Warudo\'s motion capture setup, look for VMC (Virtual Motion Capture) as the face tracking source. It listens on port 39539 unless you change it there.',
    ],
    works: 'The VMC target row on the box shows "Sending" and your character in Warudo follows your head and face.',
    trouble: [noListener, firewall, 'Sending to Warudo and VNyan at once: add a second target (Add target) with the other PC\'s address; each gets every frame.'],
  },
  {
    id: 'vtube-studio',
    app: 'VTube Studio',
    output: 'vtubeStudio',
    port: 8001,
    steps: [
      'In VTube Studio\'s settings (the first tab), switch on "Allow Plugin API access". The port it shows there is normally 8001.',
      'On the box\'s Outputs page, VTube Studio on your network appears under "Heard on your network" within a few seconds: tap "Use". (It announces itself; if it does not appear, type ws://<your PC\'s address>:8001 as the API address, switch the output on and tap Apply.)',
      'VTube Studio asks whether to allow the plugin "vtlink": allow it. The box keeps the permission, so this is asked once.',
    ],
    works: 'The VTube Studio card on the box shows "Sending"; in VTube Studio the model follows you, and its parameter list has the box\'s face parameters (FaceAngleX… and the VTLink… blend shapes) to map.',
    trouble: [
      '"No listener": the box cannot reach VTube Studio\'s API: "Allow Plugin API access" is off, the address or port is wrong, or Windows Firewall blocks VTube Studio on this network.',
      '"Error" after the popup: the plugin was denied. The box asks again after 30 seconds; allow it then.',
      'Listed with "plugin API off": that VTube Studio is running but its plugin API is switched off; switch it on as in the first step.',
    ],
  },
  {
    id: 'vrchat',
    app: 'VRChat',
    output: 'vrchat',
    port: 9000,
    steps: [
      'In VRChat, open the Action Menu and switch on Options › OSC › Enabled.',
      boxStep('VRChat OSC', 9000),
      'Your avatar needs face tracking parameters with the VRCFaceTracking names (FT/v2/JawOpen, EyeLidLeft…); avatars made for face tracking have them.',
    ],
    works: 'The VRChat target row on the box shows "Sending". In VRChat, Action Menu › OSC › OSC Debug lists the FT/v2/… values changing as you move.',
    trouble: [noListener, firewall, 'Values arrive in OSC Debug but the avatar does not move: the avatar has no face tracking parameters, or they use binary bits (set "Binary parameter bits" on the box to what the avatar uses).'],
  },
];

/**
 * One line per output whose receivers do not announce themselves, shown on its card: the box cannot
 * list them, so the user types the PC's address.
 */
export const NO_DISCOVERY: Partial<Record<GuideOutput, string>> = {
  vmc: 'VSeeFace, VNyan and Warudo do not announce themselves on the network: type the PC\'s address (on Windows: Settings › Network › Properties, "IPv4 address").',
  openSeeFace: 'VSeeFace does not announce itself on the network: type the PC\'s address (on Windows: Settings › Network › Properties, "IPv4 address").',
  vrchat: 'VRChat does not announce itself to the box: type the address of the PC VRChat runs on (on Windows: Settings › Network › Properties, "IPv4 address").',
};

export function guidesFor(output: GuideOutput): AppGuide[] {
  return GUIDES.filter((g) => g.output === output);
}

/** `text` with the box's name and address and its page's URL filled in. */
export function fillGuide(text: string, box: { label: string; url: string }): string {
  return text.replaceAll('{box}', box.label).replaceAll('{url}', box.url);
}
