import { test, expect, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

async function openPanel(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('nav-camera').click();
  await expect(page.getByTestId('view-camera')).toBeVisible();
}

test('camera bias: simulated dataset, audit, Disjoint split, manufacturer preset with per-camera bars, adversarial view', async ({ page }) => {
  test.setTimeout(900_000);
  await openPanel(page);
  await page.getByTestId('sim-size').selectOption('64');
  await page.getByTestId('sim-per-cell').fill('10');
  await page.getByTestId('sim-generate').click();
  const audit = page.getByTestId('bias-audit');
  await expect(audit).toBeVisible({ timeout: 120_000 });
  // 2 manufacturers × 5 cameras × 10 images, no correlation.
  await expect(page.getByTestId('audit-verdict')).toHaveText('ok');
  await expect(audit).toContainText('Cramér');

  // Disjoint (the default): m1 ← cam-A, cam-B; m2 ← cam-C, cam-D; cam-E unused.
  const train = page.getByTestId('train-counts');
  await expect(train).toBeVisible();
  const m1 = await train.locator('tbody tr').nth(0).locator('td').allInnerTexts();
  const m2 = await train.locator('tbody tr').nth(1).locator('td').allInnerTexts();
  expect(m1.slice(1).map(Number)).toEqual([expect.any(Number), expect.any(Number), 0, 0, 0]);
  expect(Number(m1[1])).toBeGreaterThan(0);
  expect(m2.slice(1).map(Number).slice(0, 2)).toEqual([0, 0]);
  expect(Number(m2[3])).toBeGreaterThan(0);
  expect(Number(m2[5])).toBe(0);

  // The manufacturer preset (Balanced / Partial / Disjoint) on fresh simulator data, tiny settings.
  await page.getByTestId('camera-preset').selectOption('manufacturer');
  await page.getByTestId('camera-seeds').fill('1');
  await page.getByTestId('camera-epochs').fill('1');
  await page.getByTestId('camera-train-per-cell').fill('4');
  await page.getByTestId('camera-test-per-cell').fill('2');
  await page.getByTestId('camera-run').click();
  const result = page.getByTestId('camera-result');
  await expect(result).toBeVisible({ timeout: 600_000 });
  await expect(page.getByTestId('camera-result-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('plot-camera-per-camera-predictions')).toBeVisible();

  await page.getByTestId('camera-preset').selectOption('adversarial');
  await page.getByTestId('camera-run').click();
  const adv = page.getByTestId('camera-adversarial');
  await expect(adv).toBeVisible({ timeout: 600_000 });
  await expect(adv.getByTestId('adversarial-balanced')).toBeVisible();
  await expect(adv.getByTestId('adversarial-disjoint')).toBeVisible();
});

test('camera bias: the camera preset with the frozen MobileNet v1 + trained head (model files from the local model folder)', async ({ page }) => {
  test.skip(!existsSync(resolve(import.meta.dirname, '../../shared/models/mobilenet_v1_1.0_224')), 'needs the MobileNet v1 files in ../shared/models');
  test.setTimeout(600_000);
  await openPanel(page);
  await page.getByTestId('camera-preset').selectOption('camera');
  await page.getByTestId('camera-model').selectOption('mobilenet');
  await page.getByTestId('camera-seeds').fill('1');
  await page.getByTestId('camera-epochs').fill('1');
  await page.getByTestId('camera-train-per-cell').fill('2');
  await page.getByTestId('camera-test-per-cell').fill('1');
  await page.getByTestId('camera-run').click();
  await expect(page.getByTestId('camera-result')).toBeVisible({ timeout: 540_000 });
  await expect(page.getByTestId('camera-result-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('camera-result-model')).toContainText('frozen MobileNet v1');
});
