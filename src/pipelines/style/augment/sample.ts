/**
 * Parameter sampling: (spec, seed, batchIndex, shape) → AugmentRecord, with no tensors involved.
 * Randomness comes only from the project's seeded Rng. Each image gets the stream
 * Rng(seed).fork(`batch:b`).fork(`image:i`), and each transform its own child
 * fork(`t:<index>:<op>`), so changing one transform's ranges does not move any other draw.
 */
import { Rng } from '../../../core/rng/rng';
import { sampleEraseRect, ZHONG_AREA, ZHONG_ASPECT } from './erase';
import { heSigma, RANDCONV_KERNEL_SIZES } from './randconv';
import type { AppliedTransform, AugmentRecord, AugmentSpec, ColorJitterSpec, ColorStep, Range, TransformSpec } from './types';

/** A number d means [-d, d]. */
export function symmetricRange(v: number | Range): Range {
  return typeof v === 'number' ? [-Math.abs(v), Math.abs(v)] : v;
}

/** A number d means [max(0, 1-d), 1+d] (torchvision's ColorJitter convention). */
export function factorRange(v: number | Range): Range {
  return typeof v === 'number' ? [Math.max(0, 1 - Math.abs(v)), 1 + Math.abs(v)] : v;
}

function checkRange(name: string, r: Range, min = -Infinity): void {
  if (r.length !== 2 || !(r[0] <= r[1]) || r[0] < min || !Number.isFinite(r[0]) || !Number.isFinite(r[1])) {
    throw new Error(`augment: invalid ${name} range [${r.join(', ')}]`);
  }
}

/** Throws on a malformed spec (probabilities outside [0,1], empty or inverted ranges, …). */
export function validateSpec(spec: AugmentSpec): void {
  spec.transforms.forEach((t, i) => {
    if (!(t.p >= 0 && t.p <= 1)) throw new Error(`augment: transform ${i} (${t.op}) has probability ${t.p} outside [0,1]`);
    switch (t.op) {
      case 'rotate':
      case 'shear':
        checkRange(`${t.op} degrees`, symmetricRange(t.degrees));
        break;
      case 'zoom':
        checkRange('zoom scale', t.scale, Number.MIN_VALUE);
        break;
      case 'erase':
        checkRange('erase area', t.area ?? ZHONG_AREA, 0);
        checkRange('erase aspect', t.aspect ?? ZHONG_ASPECT, Number.MIN_VALUE);
        break;
      case 'colorJitter':
        if (t.brightness !== undefined) {
          checkRange('brightness', t.brightnessMode === 'additive' ? symmetricRange(t.brightness) : factorRange(t.brightness));
        }
        if (t.contrast !== undefined) checkRange('contrast', factorRange(t.contrast), 0);
        if (t.saturation !== undefined) checkRange('saturation', factorRange(t.saturation), 0);
        if (t.hue !== undefined) checkRange('hue', symmetricRange(t.hue));
        break;
      case 'randConv': {
        const ks = t.kernelSizes ?? RANDCONV_KERNEL_SIZES;
        if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1 || k % 2 === 0)) {
          throw new Error(`augment: randConv kernel sizes must be odd positive integers, got [${ks.join(', ')}]`);
        }
        if (Array.isArray(t.mix)) checkRange('randConv mix', t.mix as Range, 0);
        break;
      }
      default:
        break;
    }
  });
}

const COLOR_STEPS: readonly ColorStep[] = ['brightness', 'contrast', 'saturation', 'hue'];

function sampleColorJitter(t: number, s: ColorJitterSpec, rng: Rng): AppliedTransform {
  const mode = s.brightnessMode ?? 'multiplicative';
  const draw = (r: Range | undefined, neutral: number) => (r ? rng.uniform(r[0], r[1]) : neutral);
  const bRange = s.brightness === undefined ? undefined : mode === 'additive' ? symmetricRange(s.brightness) : factorRange(s.brightness);
  const brightness = draw(bRange, mode === 'additive' ? 0 : 1);
  const contrast = draw(s.contrast === undefined ? undefined : factorRange(s.contrast), 1);
  const saturation = draw(s.saturation === undefined ? undefined : factorRange(s.saturation), 1);
  const hue = draw(s.hue === undefined ? undefined : symmetricRange(s.hue), 0);
  const order = COLOR_STEPS.filter((k) => s[k] !== undefined);
  if (s.randomOrder) rng.shuffle(order);
  return { t, op: 'colorJitter', brightness, brightnessMode: mode, contrast, saturation, hue, order };
}

/** Sample one transform's parameters for one image (null: nothing applied, e.g. no erase fit). */
export function sampleTransform(t: number, s: TransformSpec, rng: Rng, shape: readonly number[]): AppliedTransform | null {
  const [, height, width, channels] = shape;
  switch (s.op) {
    case 'flip':
    case 'grayscale':
      return { t, op: s.op };
    case 'rotate': {
      const [lo, hi] = symmetricRange(s.degrees);
      return { t, op: 'rotate', degrees: rng.uniform(lo, hi) };
    }
    case 'zoom':
      return { t, op: 'zoom', scale: rng.uniform(s.scale[0], s.scale[1]), offsetX: rng.next(), offsetY: rng.next() };
    case 'shear': {
      const [lo, hi] = symmetricRange(s.degrees);
      const axes = s.axes ?? 'x';
      const shearX = axes === 'y' ? 0 : rng.uniform(lo, hi);
      const shearY = axes === 'x' ? 0 : rng.uniform(lo, hi);
      return { t, op: 'shear', shearX, shearY };
    }
    case 'erase': {
      const rect = sampleEraseRect(rng, width, height, s.area ?? ZHONG_AREA, s.aspect ?? ZHONG_ASPECT, s.maxAttempts ?? 100);
      if (!rect) return null;
      const area = rect.w * rect.h;
      const fill = s.fill ?? 'noise';
      return fill === 'noise'
        ? { t, op: 'erase', ...rect, area, fill: 'noise', noiseSeed: rng.nextUint32() }
        : { t, op: 'erase', ...rect, area, fill: 'constant', value: fill };
    }
    case 'colorJitter':
      return sampleColorJitter(t, s, rng);
    case 'randConv': {
      const kernelSize = rng.pick(s.kernelSizes ?? RANDCONV_KERNEL_SIZES);
      const mix: Range | null = s.mix === true ? [0, 1] : Array.isArray(s.mix) ? (s.mix as Range) : null;
      const alpha = mix ? rng.uniform(mix[0], mix[1]) : 0;
      const sigma = s.sigma ?? heSigma(kernelSize, channels);
      return { t, op: 'randConv', kernelSize, sigma, alpha, weightSeed: rng.nextUint32(), clamp: s.clamp ?? true };
    }
  }
}

/** Sample the record for one batch; a pure function of (spec, seed, batchIndex, shape). */
export function sampleRecord(spec: AugmentSpec, seed: number, batchIndex: number, shape: readonly number[]): AugmentRecord {
  if (shape.length !== 4) throw new Error(`augment: expected a [N,H,W,C] batch, got shape [${shape.join(', ')}]`);
  validateSpec(spec);
  const batchRng = new Rng(seed).fork(`batch:${batchIndex}`);
  const images: AppliedTransform[][] = [];
  for (let i = 0; i < shape[0]; i++) {
    const imageRng = batchRng.fork(`image:${i}`);
    const applied: AppliedTransform[] = [];
    spec.transforms.forEach((s, t) => {
      const rng = imageRng.fork(`t:${t}:${s.op}`);
      if (!rng.bernoulli(s.p)) return;
      const entry = sampleTransform(t, s, rng, shape);
      if (entry) applied.push(entry);
    });
    images.push(applied);
  }
  return { seed: seed >>> 0, batchIndex, shape: [shape[0], shape[1], shape[2], shape[3]], images };
}
