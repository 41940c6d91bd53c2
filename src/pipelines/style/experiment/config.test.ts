import { describe, expect, it } from 'vitest';
import { EXPERIMENT_CONFIGS, resolveConfig } from './config';

describe('experiment configs', () => {
  it('the thesis config keeps the thesis settings: ratio 0.5, α 0.5, Adam initial lr 1e-3 with β1 0.5, weight decay 1e-5, on-the-fly stylisation', () => {
    const t = EXPERIMENT_CONFIGS.thesis;
    expect([t.styleRatio, t.alpha, t.learningRate, t.beta1, t.weightDecay, t.stylisation, t.lrSchedule]).toEqual([0.5, 0.5, 1e-3, 0.5, 1e-5, 'online', 'constant']);
    expect(t.imageSize).toBe(224);
    expect(t.classifier).toBe('mobilenet');
  });

  it('applies overrides and leaves the presets untouched', () => {
    const c = resolveConfig({ config: 'small', classifier: 'cnn', epochs: 3, imageSize: 32, batchSize: 4, learningRate: 0.01, styleRatio: 1, alpha: [0.2, 0.8], poolSize: 3, trainPerClass: 10 });
    expect([c.epochs, c.imageSize, c.batchSize, c.learningRate, c.styleRatio, c.alpha, c.poolSize, c.trainPerClass]).toEqual([3, 32, 4, 0.01, 1, [0.2, 0.8], 3, 10]);
    expect(EXPERIMENT_CONFIGS.small.epochs).not.toBe(3);
    expect(resolveConfig({ config: 'small', classifier: 'mobilenet' }).imageSize).toBe(96);
    expect(resolveConfig({ config: 'thesis', classifier: 'cnn' }).imageSize).toBe(224);
    expect(resolveConfig({ config: 'thesis', classifier: 'mobilenet', stylisation: 'pool' }).poolSize).toBe(1);
  });

  it('refuses values outside their ranges with the reason', () => {
    const base = { config: 'small' as const, classifier: 'cnn' as const };
    expect(() => resolveConfig({ ...base, epochs: 0 })).toThrow('epochs must be a positive integer');
    expect(() => resolveConfig({ ...base, styleRatio: 1.5 })).toThrow('styleRatio must be in [0, 1]');
    expect(() => resolveConfig({ ...base, alpha: [0.8, 0.2] })).toThrow('alpha must be in [0, 1]');
    expect(() => resolveConfig({ ...base, imageSize: 40 })).toThrow('multiple of 16');
    expect(() => resolveConfig({ ...base, classifier: 'mobilenet', imageSize: 100 })).toThrow('multiple of 32');
    expect(() => resolveConfig({ ...base, learningRate: 0 })).toThrow('learningRate must be positive');
    expect(() => resolveConfig({ ...base, validationFraction: 1 })).toThrow('validationFraction');
    expect(() => resolveConfig({ ...base, poolSize: 0 })).toThrow('poolSize must be a positive integer');
    expect(() => resolveConfig({ config: 'huge' as never, classifier: 'cnn' })).toThrow("Unknown experiment config 'huge'");
  });
});
