/**
 * The Style augmentation panel end to end: a dropped folder (different sizes, one grayscale, one
 * RGBA PNG) is previewed under random styles by the style worker on WebGPU, moving the α slider
 * changes the stylised pixels, and the augmented-dataset export is a zip with one PNG per image and
 * copy plus augmentations.json with every style record. Previews are kept tiny (64 px): SwiftShader
 * WebGPU is slow.
 */
import { test, expect, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { encodePng as encodePngImage } from '../src/pipelines/detection/testdata/png';
import { encodePng, writeFiles } from './fixtures';

const modelsDir = resolve(process.env.WORKBENCH_MODELS_DIR ?? resolve(import.meta.dirname, '../../shared/models'), 'magenta-arbitrary-style');
const haveModels = existsSync(resolve(modelsDir, 'predict_int8.tflite')) && existsSync(resolve(modelsDir, 'transfer_fp16.tflite'));

function contentFolder(): string {
  const gray = Uint8Array.from({ length: 30 * 40 }, (_, i) => ((i % 30) * 8 + Math.floor(i / 30) * 3) % 256);
  const rgba = new Uint8Array(36 * 20 * 4);
  for (let i = 0; i < 36 * 20; i++) rgba.set([40 + (i % 36) * 5, 180, (i * 7) % 256, i % 36 < 6 ? 0 : 255], i * 4);
  return writeFiles({
    'cat/wide.png': encodePng(72, 40, (x, y) => [(x * 3) % 256, 120 + ((y * 5) % 100), 255 - x * 3]),
    'cat/gray.png': Buffer.from(encodePngImage({ width: 30, height: 40, channels: 1, data: gray })),
    'dog/rgba.png': Buffer.from(encodePngImage({ width: 36, height: 20, channels: 4, data: rgba })),
  });
}

/** data-sum of every stylised tile, in grid order. */
const stylisedSums = (page: Page) =>
  page.locator('[data-testid="style-tile"][data-stylised="true"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-row')}:${e.getAttribute('data-copy')}=${e.getAttribute('data-sum')}`).join(' '));

test('style preview of a dropped folder on WebGPU: live α, zip export with records', async ({ page }) => {
  test.skip(!haveModels, `Magenta TFLite files not found in ${modelsDir}`);
  // ~110–180 s here (SwiftShader on 2 shared cores; most of it is compiling each network's shaders once).
  test.setTimeout(300_000);
  const t0 = Date.now();
  const mark = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s  ${what}`);
  page.on('console', (m) => { if (m.type() === 'error') console.log('[page]', m.text()); });
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('nav-style').click();
  await expect(page.getByTestId('view-style')).toBeVisible();

  // Tiny previews, every copy stylised, two copies of each of the three images.
  await page.getByTestId('style-size').selectOption('64');
  await page.getByTestId('style-copies').selectOption('2');
  await page.getByTestId('style-rows').selectOption('3');
  await page.getByTestId('style-predictor-size').selectOption('128');
  await page.getByTestId('ratio-slider').fill('1');
  await page.getByTestId('alpha-slider').fill('0.3');
  await page.getByTestId('style-content').getByTestId('folder-input').setInputFiles(contentFolder());
  await expect(page.getByTestId('content-count')).toHaveText('3');

  await expect(page.getByTestId('style-backend')).toHaveText('webgpu', { timeout: 90_000 });
  mark('style networks loaded in the worker');
  await expect(page.getByTestId('style-original')).toHaveCount(3);
  await expect(page.getByTestId('style-tile')).toHaveCount(6, { timeout: 150_000 });
  await expect(page.getByTestId('style-grid')).toHaveAttribute('data-busy', 'false', { timeout: 120_000 });
  mark('first preview complete');
  const timings = async () => `P(c) ms per row: ${await page.getByTestId('preview-status').getAttribute('data-embed-ms')}; transfer ms per tile: ${(await page.getByTestId('style-tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-ms')))).join(' ')}`;
  console.log(await timings());
  // Each tile says it was stylised with the chosen α; the originals keep their aspect ratio at 64 px.
  await expect(page.locator('[data-testid="style-tile"][data-stylised="true"][data-alpha="0.3"]')).toHaveCount(6);
  const sizes = await page.getByTestId('style-original').locator('canvas').evaluateAll((cs) => cs.map((c) => `${(c as HTMLCanvasElement).width}x${(c as HTMLCanvasElement).height}`));
  expect(sizes).toEqual(['48x64', '64x36', '64x36']); // cat/gray 30×40, cat/wide 72×40, dog/rgba 36×20 (sorted by path)
  const before = await stylisedSums(page);
  const workerTensors = await page.getByTestId('preview-status').getAttribute('data-worker-tensors');
  expect(Number(workerTensors)).toBeGreaterThan(0); // the networks' weights

  // Moving α re-runs the transformer (P(c) is cached) and changes the pixels.
  await page.getByTestId('alpha-slider').fill('0.9');
  await expect(page.locator('[data-testid="style-tile"][data-alpha="0.9"]')).toHaveCount(6, { timeout: 120_000 });
  await expect(page.getByTestId('style-grid')).toHaveAttribute('data-busy', 'false', { timeout: 120_000 });
  const after = await stylisedSums(page);
  expect(after.split(' ')).toHaveLength(6);
  for (let i = 0; i < 6; i++) expect(after.split(' ')[i], 'every tile changed').not.toBe(before.split(' ')[i]);
  mark('α moved, preview updated');
  console.log(await timings());
  await expect(page.getByTestId('preview-status')).toContainText('6 of 6 copies stylised');
  // No tensors leak in the worker from one preview to the next.
  await expect(page.getByTestId('preview-status')).toHaveAttribute('data-worker-tensors', workerTensors!);

  // Augmented dataset: 1 copy per image at the preview size.
  await page.getByTestId('export-copies').fill('1');
  await page.getByTestId('export-size').selectOption('preview');
  const downloadPromise = page.waitForEvent('download', { timeout: 150_000 });
  await page.getByTestId('export-zip').click();
  const download = await downloadPromise;
  await expect(page.getByTestId('export-status')).toHaveAttribute('data-status', 'done');
  // The job runs on the backend the panel chose: CPU on a software WebGPU adapter such as SwiftShader
  // (where compiling every shader variant again in the job worker would dominate), else WebGPU.
  const chosen = await page.getByTestId('export-backend-choice').getAttribute('data-backend');
  const software = /swiftshader|llvmpipe|lavapipe/i.test(await page.getByTestId('adapter').innerText());
  expect(chosen).toBe(software ? 'cpu' : 'auto');
  await expect(page.getByTestId('export-backend')).toHaveText(software ? 'cpu' : 'webgpu');
  mark('zip exported');
  expect(download.suggestedFilename()).toMatch(/^style-augmented-seed\d+\.zip$/);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const pngs = Object.keys(files).filter((n) => n.endsWith('.png')).sort();
  expect(pngs).toEqual(['cat/gray_aug0.png', 'cat/wide_aug0.png', 'dog/rgba_aug0.png']);
  const manifest = JSON.parse(strFromU8(files['augmentations.json'])) as {
    seed: number; predictorSize: number; options: { ratio: number; alpha: number }; images: { source: string; width: number; height: number; outputs: { file: string; style: { stylised: boolean; alpha: number; z: number[] } }[] }[];
  };
  expect(manifest.options).toMatchObject({ ratio: 1, alpha: 0.9 });
  expect(manifest.predictorSize).toBe(128);
  expect(manifest.images.map((i) => [i.source, i.width, i.height])).toEqual([['cells-folder/cat/gray.png', 48, 64], ['cells-folder/cat/wide.png', 64, 36], ['cells-folder/dog/rgba.png', 64, 36]]);
  for (const img of manifest.images) {
    expect(img.outputs).toHaveLength(1);
    expect(img.outputs[0].style.stylised).toBe(true);
    expect(img.outputs[0].style.z).toHaveLength(100);
  }
  // The PNGs decode to the recorded sizes (IHDR width/height).
  for (const img of manifest.images) {
    const png = files[img.outputs[0].file];
    const dv = new DataView(png.buffer, png.byteOffset);
    expect([dv.getUint32(16), dv.getUint32(20)]).toEqual([img.width, img.height]);
  }
  console.log(`style-preview e2e total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
