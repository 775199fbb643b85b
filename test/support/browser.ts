// A real browser for the explorer's tests: Debian's Chromium driven by playwright-core (no
// browser download). Under CI=true a missing Chromium is a failure; elsewhere its tests skip.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const CI = process.env.CI === 'true';
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((file): file is string => Boolean(file));
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results');

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((file) => existsSync(file));
}

/** false when Chromium is there, else the skip reason; throws under CI=true. */
export function skipWithoutChromium(): string | false {
  if (chromiumPath()) return false;
  const reason = 'no Chromium (apt-get install chromium, or set CHROMIUM_PATH)';
  if (CI) throw new Error(`${reason} — CI=true must run the browser tests`);
  return reason;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath()!, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
