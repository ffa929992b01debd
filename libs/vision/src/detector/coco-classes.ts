/**
 * The 80 COCO classes the detector knows, in its output order, and how a detector's `class_name` maps onto them:
 * exact names, plurals and common synonyms ("people" → person, "vehicle" → car/truck/bus/motorcycle). A name that
 * maps to nothing is not a COCO class: such detectors need people to draw boxes first.
 */
// prettier-ignore
export const COCO_CLASSES = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
  'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
  'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
  'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
  'hair drier', 'toothbrush',
] as const;
export type CocoClass = (typeof COCO_CLASSES)[number];

const SYNONYMS: Record<string, readonly CocoClass[]> = {
  people: ['person'],
  pedestrian: ['person'],
  human: ['person'],
  man: ['person'],
  men: ['person'],
  woman: ['person'],
  women: ['person'],
  child: ['person'],
  children: ['person'],
  kid: ['person'],
  worker: ['person'],
  vehicle: ['car', 'truck', 'bus', 'motorcycle'],
  'motor vehicle': ['car', 'truck', 'bus', 'motorcycle'],
  automobile: ['car'],
  van: ['car', 'truck'],
  lorry: ['truck'],
  pickup: ['truck'],
  motorbike: ['motorcycle'],
  scooter: ['motorcycle'],
  bike: ['bicycle', 'motorcycle'],
  cycle: ['bicycle'],
  plane: ['airplane'],
  aeroplane: ['airplane'],
  aircraft: ['airplane'],
  ship: ['boat'],
  puppy: ['dog'],
  kitten: ['cat'],
  pony: ['horse'],
  cattle: ['cow'],
  animal: ['bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe'],
  sofa: ['couch'],
  television: ['tv'],
  monitor: ['tv'],
  phone: ['cell phone'],
  mobile: ['cell phone'],
  smartphone: ['cell phone'],
  table: ['dining table'],
  plant: ['potted plant'],
  bag: ['backpack', 'handbag', 'suitcase'],
  luggage: ['suitcase'],
  ball: ['sports ball'],
  glass: ['wine glass', 'cup'],
  mug: ['cup'],
  fridge: ['refrigerator'],
  doughnut: ['donut'],
  'traffic signal': ['traffic light'],
  hydrant: ['fire hydrant'],
};

const byName = new Map<string, readonly CocoClass[]>(COCO_CLASSES.map((c) => [c, [c]]));

/** Singular candidates for an English plural (buses → bus, knives → knife, people handled as a synonym). */
function singulars(word: string): string[] {
  const out: string[] = [];
  if (word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('ves')) out.push(`${word.slice(0, -3)}fe`, `${word.slice(0, -3)}f`);
  if (word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.endsWith('s')) out.push(word.slice(0, -1));
  return out;
}

const normalise = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[_-]+/g, ' ')
    .replace(/[^a-z ]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/** COCO classes a detector's `class_name` means; an empty list when it is not a COCO class. */
export function resolveCocoClasses(className: string): CocoClass[] {
  const name = normalise(className);
  const lookup = (n: string): readonly CocoClass[] | undefined => byName.get(n) ?? SYNONYMS[n];
  const hit =
    lookup(name) ??
    singulars(name)
      .map(lookup)
      .find((x) => x !== undefined);
  if (hit) return [...hit];
  // "red car", "delivery truck": the last word decides, when it is a known noun.
  const words = name.split(' ');
  if (words.length > 1) return resolveCocoClasses(words[words.length - 1]!);
  return [];
}
