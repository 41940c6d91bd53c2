/**
 * The Style panel's domain-shift experiments section end to end: a tiny generated `domain/class`
 * folder (3 domains × 2 classes × 4 PNGs, written by the test), two training domains and a held-out
 * target, the none and traditional arms, one seed, two epochs at 32², run in a worker; the accuracy
 * curve and the final table appear, the default-statistics guard blocks a style arm on the
 * statistics domain, and the finished experiment is listed again after a reload.
 */
import { test, expect, type Page } from '@playwright/test';
import { encodePng, writeFiles } from './fixtures';

/** Class 'disc' is a bright disc, class 'bar' a vertical bar; each domain paints them differently. */
function domainFolder(): string {
  const files: Record<string, Buffer> = {};
  const paint: Record<string, (on: boolean, x: number, y: number, k: number) => [number, number, number]> = {
    art_painting: (on, x, y, k) => (on ? [230, 180 + ((x * 7 + k * 13) % 60), 60] : [90 + ((x + y) % 4) * 20, 60, 40]),
    cartoon: (on) => (on ? [255, 255, 255] : [20, 20, 160]),
    photo: (on, x, y, k) => (on ? [200 - ((x * y + k) % 30), 200, 190] : [70 + ((x * 5 + y * 3 + k) % 40), 80, 70]),
  };
  for (const domain of Object.keys(paint)) {
    for (let k = 0; k < 4; k++) {
      const cx = 7 + (k % 2), cy = 8 - (k % 3);
      files[`${domain}/disc/d${k}.png`] = encodePng(20, 20, (x, y) => paint[domain]((x - cx) ** 2 + (y - cy) ** 2 < 25, x, y, k));
      files[`${domain}/bar/b${k}.png`] = encodePng(20, 20, (x, y) => paint[domain](Math.abs(x - (8 + k)) < 2, x, y, k));
    }
  }
  return writeFiles(files);
}

async function openStyle(page: Page) {
  await page.getByTestId('nav-style').click();
  await expect(page.getByTestId('style-experiments')).toBeVisible({ timeout: 60_000 });
}

test('a minimal none-vs-traditional experiment runs and shows its curve and final table', async ({ page }) => {
  test.setTimeout(120_000);
  const dir = domainFolder();
  await page.goto('/');
  await openStyle(page);
  const section = page.getByTestId('style-experiments');
  await section.getByTestId('folder-input').setInputFiles(dir);
  await expect(section.getByTestId('experiment-domains').locator('tbody tr')).toHaveCount(3);
  await expect(section.getByTestId('domain-row-cartoon')).toContainText(/cartoon\s*8\s*4\s*4/);

  // The shipped statistics come from art_painting: a style arm with that target is blocked.
  await section.getByTestId('target-domain').selectOption('art_painting');
  await section.getByTestId('arm-style').check();
  await expect(section.getByTestId('stats-warning')).toContainText('art_painting');
  await expect(section.getByTestId('experiment-start')).toBeDisabled();

  // Train on art_painting + cartoon, test on photo; arms none and trad only.
  await section.getByTestId('target-domain').selectOption('photo');
  await expect(section.getByTestId('stats-warning')).toHaveCount(0);
  await section.getByTestId('train-domain-art_painting').check();
  await section.getByTestId('train-domain-cartoon').check();
  for (const arm of ['style', 'both', 'color']) await section.getByTestId(`arm-${arm}`).uncheck();
  await section.getByTestId('arm-none').check();
  await section.getByTestId('arm-trad').check();
  await section.getByTestId('seed-count').fill('1');
  await section.getByTestId('base-seed').fill('5');
  await section.getByTestId('experiment-epochs').fill('2');
  await section.getByTestId('experiment-image-size').fill('32');
  await section.getByTestId('experiment-batch').fill('4');
  await expect(section.getByTestId('experiment-start')).toBeEnabled();
  await section.getByTestId('experiment-start').click();

  const status = section.getByTestId('experiment-status');
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(section.getByTestId('plot-style-target-accuracy').locator('.main-svg').first()).toBeVisible();
  const table = section.getByTestId('experiment-final-table');
  await expect(table).toHaveAttribute('data-partial', 'false');
  for (const arm of ['none', 'trad']) {
    const row = table.getByTestId(`final-row-${arm}`);
    await expect(row).toHaveAttribute('data-runs', '1');
    const mean = Number(await row.getAttribute('data-mean'));
    expect(mean).toBeGreaterThanOrEqual(0);
    expect(mean).toBeLessThanOrEqual(1);
    await expect(row).toContainText('(Table 4.1)'); // the thesis's reference beside ours
  }
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(section.getByTestId('past-experiment')).toHaveCount(1);

  // Saved in IndexedDB: listed again after a reload, and its figures come back.
  await page.reload();
  await openStyle(page);
  await expect(section.getByTestId('past-experiment')).toHaveCount(1);
  await expect(section.getByTestId('past-experiment')).toContainText('art_painting + cartoon → photo');
  await section.getByTestId('past-show').click();
  await expect(section.getByTestId('experiment-final-table').locator('tbody tr')).toHaveCount(2);
});
