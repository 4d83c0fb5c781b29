/**
 * The charting library's sources as text, inlined by esbuild into the Lambda bundle (import
 * attributes `type: 'text'`), where there is no node_modules to read them from. Only the bundle
 * can load this module: Node refuses the attribute, and report-assets.ts then reads the files.
 * The paths are relative because d3's and Plot's package exports do not expose `dist/`.
 */
// @ts-expect-error: a .js file imported as text has no type declarations; esbuild gives a string
import plot from '../../node_modules/@observablehq/plot/dist/plot.umd.min.js' with { type: 'text' };
// @ts-expect-error: as above
import d3 from '../../node_modules/d3/dist/d3.min.js' with { type: 'text' };

export const BUNDLED_REPORT_LIBRARIES: { d3: string; plot: string } = { d3, plot };
