import { test, expect } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const sharedModels = resolve(import.meta.dirname, '../../shared/models');
import { encodePng, mixedFolder } from './fixtures';

test('the app loads on WebGPU and reports the adapter and memory', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await expect(page.getByTestId('adapter')).not.toContainText('n/a');
  await expect(page.getByTestId('memory')).toContainText('tensors');
  for (const id of ['detection', 'style', 'phenotype', 'camera', 'datasets', 'jobs', 'models']) {
    await page.getByTestId(`nav-${id}`).click();
    await expect(page.getByTestId(`view-${id}`)).toBeVisible();
  }
});

test('?backend=cpu forces the CPU backend', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('backend')).toHaveText('cpu');
  await expect(page.getByTestId('statusbar')).toContainText('forced: cpu');
});

test('a job runs on WebGPU inside a worker and reports its result', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('nav-jobs').click();
  await page.getByTestId('runtime-check').click();
  const row = page.getByTestId('job-runtime-check').first();
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(row).toContainText('backend webgpu');
  await expect(row).toContainText('"maxAbsError"');
});

test('a dropped folder is ingested with per-file errors, and survives a reload', async ({ page }) => {
  const dir = mixedFolder();
  await page.goto('/');
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('item-count')).toHaveText('6');
  await expect(page.getByTestId('error-count')).toHaveText('2');
  const errors = page.getByTestId('file-errors');
  await expect(errors).toContainText('broken.png');
  await expect(errors).toContainText('PNG is truncated');
  await expect(errors).toContainText('notes.png');
  await expect(errors).toContainText('not an image');
  const counts = page.getByTestId('label-counts');
  await expect(counts).toContainText(/cat\s*3/);
  await expect(counts).toContainText(/dog\s*3/);
  await expect(page.getByTestId('thumbgrid').locator('img')).toHaveCount(6);
  // 16-bit TIFF is decoded: its thumbnail exists and its metadata says 16-bit.
  await expect(page.getByTestId('thumbgrid').locator('.thumb[title*="scan16.tif"]')).toHaveAttribute('title', /16-bit/);

  await page.reload();
  await page.getByTestId('nav-datasets').click();
  await expect(page.getByTestId('item-count')).toHaveText('6');
  await expect(page.getByTestId('error-count')).toHaveText('2');
  await expect(page.getByTestId('thumbgrid').locator('img')).toHaveCount(6);
});

test('a figure exports PNG, SVG and CSV', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('generate-synthetic').click();
  await expect(page.getByTestId('item-count')).toHaveText('90', { timeout: 120_000 });
  const plot = page.locator('[data-testid^="plot-label-counts"]').first();
  await expect(plot.locator('.main-svg').first()).toBeVisible();
  const grab = async (label: string) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), plot.getByRole('button', { name: label, exact: true }).click()]);
    const path = await dl.path();
    return { name: dl.suggestedFilename(), bytes: readFileSync(path!) };
  };
  const png = await grab('PNG');
  expect(png.name).toMatch(/\.png$/);
  expect([...png.bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  const svg = await grab('SVG');
  expect(svg.bytes.toString('utf8')).toMatch(/<svg[\s\S]*disc/);
  const csv = await grab('CSV');
  const lines = csv.bytes.toString('utf8').trim().split(/\r?\n/);
  expect(lines[0]).toBe('class,count');
  expect(lines.slice(1).sort()).toEqual(['disc,30', 'square,30', 'triangle,30']);
});

test('GPU device loss is reported and the runtime re-initialises on a new device', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.evaluate(() => (window as unknown as { __workbench: { destroyGpuDevice: () => void } }).__workbench.destroyGpuDevice());
  await expect(page.getByTestId('device-lost')).toContainText('GPU device lost');
  await expect(page.getByTestId('device-lost')).toContainText('re-initialised 1×');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  // The new device computes correctly.
  const sum = await page.evaluate(async () => {
    const tf = (window as unknown as { __tf?: typeof import('@tensorflow/tfjs') }).__tf;
    if (!tf) return null;
    const t = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    const v = Array.from(await t.data());
    t.dispose();
    return v;
  });
  expect(sum).toEqual([4, 6]);
});

test('a registry model downloads from the configured base URL with its sha256 verified', async ({ page }) => {
  test.skip(!existsSync(sharedModels), `needs ${sharedModels} (the shared model files beside the checkout)`);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto('/');
  await page.getByTestId('nav-models').click();
  await page.getByTestId('model-tiny-darknet').getByRole('button', { name: 'Download & verify' }).click();
  await expect(page.getByTestId('model-status-tiny-darknet')).toContainText('verified', { timeout: 120_000 });
  expect(requests.filter((p) => p.startsWith('/local-models/tiny-darknet/')).length).toBeGreaterThan(1);
});

test('files dropped onto the drop zone are ingested (drag and drop path)', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('nav-datasets').click();
  const png = encodePng(8, 8, (x, y) => [x * 30, y * 30, 100]).toString('base64');
  await page.getByTestId('dropzone').evaluate((el, b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'a.png', { type: 'image/png' }));
    dt.items.add(new File([bytes], 'b.png', { type: 'image/png' }));
    dt.items.add(new File([new Uint8Array(0)], 'empty.jpg'));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, png);
  await expect(page.getByTestId('item-count')).toHaveText('2');
  await expect(page.getByTestId('file-errors')).toContainText('empty file (0 bytes)');
});
