/**
 * Finds Chromium for the browser tests and benches: CHROME_PATH, else Debian's /usr/bin/chromium, else the
 * `@sparticuz/chromium` npm package (a devDependency: its own Chromium and SwiftShader, unpacked into the temp
 * folder on first use, ~2 s). `GSW_CHROMIUM=npm` passes over the system ones, to check that fallback. Also names
 * the SwiftShader Vulkan ICD that comes with the install, which the `webgpu` package (Dawn) uses in Node.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A Chromium to drive, and where it came from. */
export interface ChromiumInstall {
  readonly executable: string;
  readonly source: 'CHROME_PATH' | 'system' | '@sparticuz/chromium';
  /** SwiftShader's Vulkan ICD shipped with it, when there is one. */
  readonly vulkanIcd?: string;
}

const SYSTEM = [
  { executable: '/usr/bin/chromium', icd: '/usr/lib/chromium/vk_swiftshader_icd.json' },
  { executable: '/usr/bin/chromium-browser', icd: '/usr/lib/chromium-browser/vk_swiftshader_icd.json' },
];

/** The Chromium to use, or undefined when there is none (browser suites then skip, saying why). */
export async function findChromium(): Promise<ChromiumInstall | undefined> {
  const npmOnly = process.env.GSW_CHROMIUM === 'npm';
  const fromEnv = process.env.CHROME_PATH;
  if (!npmOnly && fromEnv && existsSync(fromEnv)) {
    const icd = join(dirname(fromEnv), 'vk_swiftshader_icd.json');
    return { executable: fromEnv, source: 'CHROME_PATH', ...(existsSync(icd) ? { vulkanIcd: icd } : {}) };
  }
  for (const s of npmOnly ? [] : SYSTEM) {
    if (existsSync(s.executable)) return { executable: s.executable, source: 'system', ...(existsSync(s.icd) ? { vulkanIcd: s.icd } : {}) };
  }
  try {
    const mod = (await import('@sparticuz/chromium')) as { default: { executablePath(): Promise<string> } };
    const executable = await mod.default.executablePath();
    const icd = join(dirname(executable), 'vk_swiftshader_icd.json');
    return { executable, source: '@sparticuz/chromium', ...(existsSync(icd) ? { vulkanIcd: icd } : {}) };
  } catch {
    return undefined;
  }
}
