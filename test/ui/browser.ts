// Launches Debian's chromium through playwright-core with the flags that work on CI (no sandbox
// as root, no GPU, no background traffic), in a fresh profile removed on close. Also builds
// the UI the way `npm run build` does, so the browser suites test the current sources.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Messages of every dialog (alert, confirm, prompt) the pages opened; each was dismissed. */
  readonly dialogs: string[];
  /** Uncaught page errors. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'keel-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const dialogs: string[] = [];
  const errors: string[] = [];
  context.on('page', (p) => p.on('dialog', (d) => void d.dismiss()));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    context,
    page,
    dialogs,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Builds the UI into the platform package's `dist/ui` (what the server serves). */
export async function buildUi(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: resolve('packages/ui/vite.config.ts'), logLevel: 'error' });
}
