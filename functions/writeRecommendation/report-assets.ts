/**
 * What report.html inlines besides the data: the charting library (d3 and Observable Plot) and
 * the scaleplan version. In the Lambda bundle they come from the bundle itself
 * (bundled-report-assets.ts); elsewhere (tests, a checkout) from node_modules, as
 * `scaleplan report` reads them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json';

export interface ReportAssets {
  libraries: { d3: string; plot: string };
  scaleplanVersion: string;
}

let cached: Promise<ReportAssets> | undefined;

function fromNodeModules(): { d3: string; plot: string } {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');
  return {
    d3: readFileSync(join(root, 'd3', 'dist', 'd3.min.js'), 'utf8'),
    plot: readFileSync(join(root, '@observablehq', 'plot', 'dist', 'plot.umd.min.js'), 'utf8'),
  };
}

/** Loads the assets once per process (a warm Lambda reuses them). */
export function loadReportAssets(): Promise<ReportAssets> {
  cached ??= (async () => {
    const libraries = await import('./bundled-report-assets').then(
      (bundled) => bundled.BUNDLED_REPORT_LIBRARIES,
      () => fromNodeModules(),
    );
    return { libraries, scaleplanVersion: packageJson.version };
  })();
  return cached;
}
