import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

async function openPanel(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('nav-detection').click();
  await expect(page.getByTestId('model-info')).toBeVisible({ timeout: 60_000 });
}

test('drawing three cells gives three boxes with the shipped checkpoint', async ({ page }) => {
  await openPanel(page);
  // A fixed scene seed makes the rendered texture and noise reproducible.
  await page.getByTestId('scene-seed').fill('7');
  await page.getByTestId('new-image').click();
  await page.getByTestId('clear-cells').click();
  await expect(page.getByTestId('cell')).toHaveCount(0);
  await expect(page.getByTestId('detected-count')).toHaveText('0');
  const canvas = page.getByTestId('cell-canvas');
  const box = (await canvas.boundingBox())!;
  // Three well separated cells in a 128×128 image (positions as fractions of the canvas).
  for (const [fx, fy] of [[0.25, 0.3], [0.72, 0.28], [0.5, 0.75]]) {
    await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
  }
  await expect(page.getByTestId('cell')).toHaveCount(3);
  await expect(page.getByTestId('true-count')).toHaveText('3');
  await expect(page.getByTestId('detected-count')).toHaveText('3');
  await expect(page.getByTestId('box-positive')).toHaveCount(3);
  // Deleting a cell re-renders the image and re-runs the detector: the boxes change live.
  const boxesNow = () => page.locator('[data-testid^="box-"]').evaluateAll((rects) => rects.map((r) => ['x', 'y', 'width', 'height'].map((a) => r.getAttribute(a)).join(',')).join(';'));
  const before = await boxesNow();
  await page.getByTestId('cell').first().dblclick();
  await expect(page.getByTestId('cell')).toHaveCount(2);
  await expect(page.getByTestId('true-count')).toHaveText('2');
  await expect.poll(boxesNow).not.toBe(before);
});

test('a few training steps of the small config run in a worker and the loss falls', async ({ page }) => {
  await openPanel(page);
  await page.getByTestId('train-max-steps').fill('16');
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 170_000 });
  const summary = page.getByTestId('loss-summary');
  const first = Number(await summary.getAttribute('data-first'));
  const last = Number(await summary.getAttribute('data-last'));
  expect(last).toBeLessThan(first);
  await expect(page.getByTestId('eval-table')).toBeVisible();
  await expect(page.getByTestId('use-checkpoint')).toBeVisible();
});

test('training also runs on the WebGPU backend in the worker', async ({ page }) => {
  await openPanel(page);
  await page.getByTestId('train-backend').selectOption('webgpu');
  await page.getByTestId('train-max-steps').fill('2');
  await page.getByTestId('train-val-images').fill('4');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-job-backend')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 170_000 });
  await expect(page.getByTestId('loss-summary')).toBeVisible();
});

const dsb = resolve(import.meta.dirname, '../../shared/data/dsb2018-nuclei');

test('the detector is evaluated and fine-tuned on real DSB2018 nuclei with boxes', async ({ page }) => {
  test.skip(!existsSync(dsb), `needs ${dsb} (shared datasets beside the checkout)`);
  // A small subset: five images and an annotations.json listing just them.
  const all = JSON.parse(readFileSync(join(dsb, 'annotations.json'), 'utf8')) as { images: { file: string }[] };
  const subset = { ...all, images: all.images.slice(0, 5) };
  const dir = mkdtempSync(join(tmpdir(), 'dsb-'));
  mkdirSync(join(dir, 'images'));
  for (const im of subset.images) copyFileSync(join(dsb, im.file), join(dir, im.file));
  writeFileSync(join(dir, 'annotations.json'), JSON.stringify(subset));
  await openPanel(page);
  await page.getByTestId('detection-evaluate').getByTestId('folder-input').setInputFiles(dir);
  const result = page.getByTestId('evaluate-result');
  await expect(result).toContainText('5 images', { timeout: 170_000 });
  await expect(result).toContainText('count RMSE');
  await expect(result).toContainText('F1');

  // Fine-tune on the same folder: a few steps on crops, validation on one whole image, a checkpoint.
  const ft = page.getByTestId('detection-finetune');
  await ft.getByTestId('finetune-cropSize').fill('64');
  await ft.getByTestId('finetune-epochs').fill('1');
  await ft.getByTestId('finetune-batchSize').fill('2');
  await ft.getByTestId('finetune-start').click();
  await expect(ft.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 170_000 });
  await expect(ft.getByTestId('eval-table')).toBeVisible();
  await expect(ft).toContainText('Trained on 4 images, validated on 1');
  await expect(ft.getByTestId('use-checkpoint')).toBeVisible();
});
