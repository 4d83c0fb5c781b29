/**
 * The HTML report: one file that needs nothing else, opened in headless Chromium (Debian's
 * `chromium`, driven by playwright-core) in light and dark: no console error, no request leaves
 * the file, every chart is drawn with its title, axis labels and legend and with data points, and a
 * screenshot is taken. Without a browser the test fails in CI (CI=true) and skips elsewhere.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildReport } from '../../cli/commands/report';
import { ScalingRequestSchema } from '../../shared/core/request';
import { policyRows } from '../../shared/outputs/pr-sections';
import { reportData } from '../../shared/outputs/report';
import { predictedTimelines } from '../../shared/outputs/timelines';
import { writeRunReport } from '../../shared/workflow/report-file';
import { isCi } from '../contract/botocore';
import { FIXTURE_PATH, loadFixture, REPO_ROOT, scratchDir } from './tools';

const FIXTURES = join(REPO_ROOT, 'test', 'outputs', 'fixtures');
/** The request the fixture's run was made with (the demo request of that time). */
const REQUEST = join(FIXTURES, 'request.json');
/** Debian's chromium, or another Chromium named by SCALEPLAN_CHROMIUM. */
const CHROMIUM = process.env.SCALEPLAN_CHROMIUM ?? '/usr/bin/chromium';

const html = buildReport({
  recommendation: FIXTURE_PATH,
  request: REQUEST,
  search: join(FIXTURES, 'search.json'),
  simulation: join(FIXTURES, 'simulation.json'),
});

describe('the report file', () => {
  test('is self-contained: no external script, stylesheet, font or image', () => {
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link\b/i);
    assert.doesNotMatch(html, /<img\b/i);
    assert.doesNotMatch(html, /@import|url\(\s*['"]?https?:/i);
  });

  test("lists the policy set's policies as the summary does", () => {
    const escaped = (text: string) =>
      text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
    const rows = policyRows(loadFixture().policySet);
    assert.ok(rows.length > 0);
    for (const cells of rows)
      assert.ok(
        html.includes(`<tr>${cells.map((c) => `<td>${escaped(c)}</td>`).join('')}</tr>`),
        cells.join(' | '),
      );
  });

  test("embeds the recommendation's numbers for the charts", () => {
    const r = loadFixture();
    const data = JSON.parse(
      html.match(/<script id="scaleplan-data" type="application\/json">(.*?)<\/script>/s)![1]!,
    );
    assert.equal(data.thresholds.peakShare, r.thresholds.peakShare.invocationsPerInstance);
    assert.equal(data.thresholds.cpuOverlay, r.thresholds.cpuOverlay.invocationsPerInstance);
    assert.equal(data.capacity.minCapacity, r.policySet.minCapacity);
    assert.equal(data.capacity.maxCapacity, r.policySet.maxCapacity);
    assert.equal(data.iterations[0].target, r.policySet.invocationsTargetTracking!.targetValue);
    assert.equal(data.benchmark.points.length, 7);
    assert.ok(data.search.front.length > 0 && data.search.baselines.length === 3);
  });

  test("with the run's request, the re-simulated timeline is the stored prediction", () => {
    const r = loadFixture();
    const [timeline] = predictedTimelines(
      r,
      ScalingRequestSchema.parse(JSON.parse(readFileSync(REQUEST, 'utf8'))),
    );
    assert.deepEqual(timeline!.notes, []);
    const peak = Math.max(...timeline!.minutes.map((m) => m.invocations));
    assert.ok(Math.abs(peak - r.iterations[0]!.prediction!.simulation.maxInvocationsPerMinute) < 1e-6);
    // Without it, the timeline says it used the defaults, and that it differs.
    const [defaults] = predictedTimelines(r);
    assert.match(defaults!.notes.join(' '), /default evaluation phases/);
    assert.equal(
      reportData({
        recommendation: r,
        timelines: [defaults!],
        libraries: { d3: '', plot: '' },
        scaleplanVersion: 'x',
      }).iterations.length,
      1,
    );
  });
});

describe('the report in headless Chromium', () => {
  test('draws every chart with data, no console error, no network, light and dark screenshots', async (t) => {
    if (!existsSync(CHROMIUM)) {
      const reason = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set SCALEPLAN_CHROMIUM)`;
      if (isCi()) assert.fail(`${reason}: the browser check is mandatory in CI`);
      return t.skip(reason);
    }
    const dir = scratchDir('report-');
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await browser.newPage({ viewport: { width: 900, height: 1200 }, colorScheme });
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        await page.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith('file:')) return route.continue();
          problems.push(`network: ${url}`);
          return route.abort();
        });
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const charts = await page.$$eval('figure[data-chart]', (figures) =>
          figures.map((figure) => ({
            id: figure.getAttribute('data-chart'),
            drawn: figure.getAttribute('data-drawn'),
            title: figure.querySelector('figcaption')?.textContent ?? '',
            axisLabels: Array.from(figure.querySelectorAll('svg [aria-label$="-axis label"] text')).map(
              (n) => n.textContent,
            ),
            legend: figure.querySelectorAll('ul.legend li').length,
            points: figure.querySelectorAll('svg [aria-label="dot"] circle, svg [aria-label="dot"] path')
              .length,
            lines: Array.from(figure.querySelectorAll('svg [aria-label="line"] path')).filter(
              (p) => (p.getAttribute('d') ?? '').length > 10,
            ).length,
          })),
        );
        assert.deepEqual(problems, []);
        // 3 benchmark charts, the capacity plan, 4 per timeline (iteration 1 and the simulation), the search.
        assert.equal(charts.length, 3 + 1 + 4 * 2 + 1, JSON.stringify(charts.map((c) => c.id)));
        for (const chart of charts) {
          assert.equal(chart.drawn, 'true', `${chart.id} not drawn`);
          assert.ok(chart.title.length > 10, `${chart.id} has no title`);
          assert.ok(
            chart.axisLabels.length >= 2 && chart.axisLabels.some((l) => /\(|per /.test(l ?? '')),
            `${chart.id} axis labels: ${chart.axisLabels}`,
          );
          assert.ok(chart.legend >= 1, `${chart.id} has no legend`);
          assert.ok(chart.points > 0, `${chart.id} has no data points`);
        }
        const screenshot = join(dir, `report-${colorScheme}.png`);
        await page.screenshot({ path: screenshot, fullPage: true });
        assert.ok(statSync(screenshot).size > 20_000, `${screenshot} is ${statSync(screenshot).size} bytes`);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});

describe('the report of a run', () => {
  test("writeRunReport writes report.html beside recommendation.json, with the run's benchmark and request", () => {
    const dir = scratchDir('run-');
    writeFileSync(join(dir, 'benchmark.json'), readFileSync(join(FIXTURES, 'benchmark.json')));
    const path = writeRunReport(dir, loadFixture(), JSON.parse(readFileSync(REQUEST, 'utf8')));
    assert.equal(path, join(dir, 'report.html'));
    const text = readFileSync(path, 'utf8');
    assert.match(text, /data-chart="benchmark-throughput"/);
    // The run's request gives the stored prediction: no note of defaults or of a difference.
    assert.doesNotMatch(text, /default evaluation phases|the stored prediction reached/);
  });
});
